/**
 * Notices a connection that stays up but answers nothing (a half-open link, a hung server)
 * while traffic continues, and has the adapter replace its socket. Clients notice such a
 * socket only when it goes idle (node-redis's socket timeout counts writes as activity), so
 * under steady traffic a hung socket would be kept for good. The tricky points: a slow but
 * live server must not lose its connection, so a missed deadline only starts a probe (a PING,
 * answered in order behind everything already written) and the socket is replaced only when
 * that probe, too, gets no reply within `probeTimeoutMs`; and one fault must cause one
 * replacement, so there is one probe at a time and none until the connection is ready again.
 * On a cluster the engine cannot tell which node a missed command went to, so the probe is a
 * PING to every master, each on its own socket, and only the masters that stay silent are
 * replaced (`RedisMasterNode.replaceUnresponsiveSocket`); the others keep their connections.
 */
import type { RedisMasterNode } from "./redis-command-connection.js";

/** What the watch needs of a connection (a `RedisCommandConnection` is one). */
export interface WatchedConnection {
  readonly isCluster: boolean;
  readonly isReady: boolean;
  send(routingKey: string, argv: string[]): Promise<unknown>;
  /** Replace the socket of a single-node connection (standalone or Sentinel). */
  replaceUnresponsiveSocket?(): void;
  /**
   * A cluster's masters: each is probed on its own socket, and replaced on its own when its
   * node has `replaceUnresponsiveSocket`. Without it a cluster is not watched.
   */
  masters?(): Promise<readonly RedisMasterNode[]>;
}

/**
 * A replacement re-arms the watch when the connection reports ready again; for a connection
 * that reports nothing (a bus publisher, a cluster whose one node reconnects while the rest
 * stay ready), this many probe timeouts after the replacement.
 */
const REARM_AFTER_PROBE_TIMEOUTS = 4;

/** The probe's default deadline for a connection whose commands get `timeoutMs`. */
export function defaultProbeTimeoutMs(timeoutMs: number): number {
  return Math.max(100, timeoutMs / 2);
}

/**
 * Send one probe and resolve whether anything came back within `timeoutMs`: a reply, an error
 * reply or a failure all count (a closed socket fails at once, and its client reconnects by
 * itself); only silence resolves false.
 */
export function probeAnswers(send: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const timer = setTimeout(() => {
      // One more turn of I/O first: after an event-loop stall the reply may be unread.
      setImmediate(() => resolve(answered));
    }, timeoutMs);
    timer.unref();
    const settle = (): void => {
      answered = true;
      clearTimeout(timer);
      resolve(true);
    };
    try {
      send().then(settle, settle);
    } catch {
      settle();
    }
  });
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

  /** How many times a socket was found unresponsive and replaced (one per cluster node). */
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
    const watched = connection.isCluster
      ? connection.masters !== undefined
      : connection.replaceUnresponsiveSocket !== undefined;
    if (!watched) return;
    if (
      this.#replacing &&
      performance.now() - this.#replacedAt >= REARM_AFTER_PROBE_TIMEOUTS * this.probeTimeoutMs
    ) {
      this.#replacing = false;
    }
    if (this.#probing || this.#replacing || !connection.isReady) return;
    this.#probing = true;
    const probe = connection.isCluster ? this.#probeMasters() : this.#probeConnection();
    probe.finally(() => {
      this.#probing = false;
    });
  }

  async #probeConnection(): Promise<void> {
    const connection = this.#connection;
    if (await probeAnswers(() => connection.send("", ["PING"]), this.probeTimeoutMs)) return;
    this.#replace([() => connection.replaceUnresponsiveSocket?.()]);
  }

  async #probeMasters(): Promise<void> {
    const masters = this.#connection.masters;
    if (masters === undefined) return;
    let nodes: readonly RedisMasterNode[] | undefined;
    // Listing the masters may wait for a node's connection: bounded by the probe deadline.
    const listed = await probeAnswers(
      () => masters.call(this.#connection).then((found) => (nodes = found)),
      this.probeTimeoutMs,
    );
    if (!listed || nodes === undefined) return;
    const replaceable = nodes.filter((node) => node.replaceUnresponsiveSocket !== undefined);
    const answers = await Promise.all(
      replaceable.map((node) => probeAnswers(() => node.send(["PING"]), this.probeTimeoutMs)),
    );
    const silent = replaceable.filter((_, index) => answers[index] === false);
    this.#replace(silent.map((node) => () => node.replaceUnresponsiveSocket?.()));
  }

  /** Ask for each replacement, unless the connection went down or another one is under way. */
  #replace(replacements: ReadonlyArray<() => void>): void {
    if (replacements.length === 0 || this.#replacing || !this.#connection.isReady) return;
    this.#replacing = true;
    this.#replacedAt = performance.now();
    for (const replace of replacements) {
      this.#replacedCount++;
      try {
        replace();
      } catch {
        // The adapter must not throw; if it does, the next missed reply tries again.
        this.#replacing = false;
      }
    }
  }
}
