/**
 * Notices a connection that stays up but answers nothing (a half-open link, a hung server)
 * while traffic continues, and has the adapter replace its socket. Clients notice such a
 * socket only when it goes idle (node-redis's socket timeout counts writes as activity), so
 * under steady traffic a hung socket would be kept for good. The tricky points: a slow but
 * live server must not lose its connection, so a missed deadline only starts a probe (a PING,
 * answered in order behind everything already written) and the socket is replaced only when
 * that probe, too, gets no reply within `probeTimeoutMs`; and one fault must cause one
 * replacement, so there is one probe at a time and none until the connection is ready again.
 */
/** What the watch needs of a connection (a `RedisCommandConnection` is one). */
export interface WatchedConnection {
  readonly isCluster: boolean;
  readonly isReady: boolean;
  send(routingKey: string, argv: string[]): Promise<unknown>;
  replaceUnresponsiveSocket?(): void;
}

/**
 * A replacement re-arms the watch when the connection reports ready again; for a connection
 * that reports nothing (a bus publisher), this many probe timeouts after the replacement.
 */
const REARM_AFTER_PROBE_TIMEOUTS = 4;

/** The probe's default deadline for a connection whose commands get `timeoutMs`. */
export function defaultProbeTimeoutMs(timeoutMs: number): number {
  return Math.max(100, timeoutMs / 2);
}

/** Watches one connection; see the file comment. */
export class UnresponsiveSocketWatch {
  readonly probeTimeoutMs: number;
  readonly #connection: WatchedConnection;
  #probing = false;
  /** Set once a replacement was asked for; cleared when the connection is ready again. */
  #replacing = false;
  #replacedAt = 0;
  #replacedCount = 0;

  constructor(connection: WatchedConnection, probeTimeoutMs: number) {
    this.#connection = connection;
    this.probeTimeoutMs = probeTimeoutMs;
  }

  /** How many times a socket was found unresponsive and replaced. */
  get replacedCount(): number {
    return this.#replacedCount;
  }

  /** The connection is ready (again): a new socket, watched afresh. */
  connectionReady(): void {
    this.#replacing = false;
  }

  /** A command sent on the ready connection got no reply within its deadline. */
  replyMissed(): void {
    const connection = this.#connection;
    if (connection.replaceUnresponsiveSocket === undefined || connection.isCluster) return;
    if (
      this.#replacing &&
      performance.now() - this.#replacedAt >= REARM_AFTER_PROBE_TIMEOUTS * this.probeTimeoutMs
    ) {
      this.#replacing = false;
    }
    if (this.#probing || this.#replacing || !connection.isReady) return;
    this.#probing = true;
    let answered = false;
    const timer = setTimeout(() => {
      // One more turn of I/O first: after an event-loop stall the reply may be unread.
      setImmediate(() => this.#probeExpired(answered));
    }, this.probeTimeoutMs);
    timer.unref();
    const settle = (): void => {
      answered = true;
      clearTimeout(timer);
      this.#probing = false;
    };
    let probe: Promise<unknown>;
    try {
      probe = connection.send("", ["PING"]);
    } catch {
      settle();
      return;
    }
    // An error reply is a reply too: the socket is alive. A closed socket fails the probe at
    // once and the client reconnects by itself.
    probe.then(settle, settle);
  }

  #probeExpired(answeredBefore: boolean): void {
    const connection = this.#connection;
    if (!this.#probing) return; // answered during the extra turn
    this.#probing = false;
    if (answeredBefore || this.#replacing || !connection.isReady) return;
    this.#replacing = true;
    this.#replacedAt = performance.now();
    this.#replacedCount++;
    try {
      connection.replaceUnresponsiveSocket?.();
    } catch {
      // The adapter must not throw; if it does, the next missed reply tries again.
      this.#replacing = false;
    }
  }
}
