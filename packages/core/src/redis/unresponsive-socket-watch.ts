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
import type { RedisCommandConnection } from "./redis-command-connection.js";

/** Watches one connection; see the file comment. */
export class UnresponsiveSocketWatch {
  readonly probeTimeoutMs: number;
  readonly #connection: RedisCommandConnection;
  #probing = false;
  /** Set once a replacement was asked for; cleared when the connection is ready again. */
  #replacing = false;
  #replacedCount = 0;

  constructor(connection: RedisCommandConnection, probeTimeoutMs: number) {
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
    if (this.#probing || this.#replacing || !connection.isReady) return;
    this.#probing = true;
    let answered = false;
    const timer = setTimeout(() => {
      this.#probing = false;
      if (answered || this.#replacing || !connection.isReady) return;
      this.#replacing = true;
      this.#replacedCount++;
      try {
        connection.replaceUnresponsiveSocket?.();
      } catch {
        // The adapter must not throw; if it does, the next missed reply tries again.
        this.#replacing = false;
      }
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
}
