/**
 * The one thing a Redis client adapter implements for the backend engine: a connection that
 * sends raw commands and says when it is ready. Everything else (deadlines, readiness waits,
 * error mapping, scripts, clear, the value codec) lives in the engine, written once. A third
 * client fits in one file implementing this interface.
 */

/** One master of the deployment (the client itself when standalone), for `clear()`'s SCAN. */
export interface RedisMasterNode {
  /** Send one raw command to this node only (SCAN, UNLINK of keys in one slot). */
  send(argv: string[]): Promise<unknown>;
  /**
   * Optional, for a cluster's master: this node's socket is up but answered nothing (a
   * command missed its deadline and a PING sent to this node then got no reply within half a
   * deadline). Destroy this node's socket and reconnect it, or drop it and refresh the slot
   * map, failing the commands in flight on it; the other nodes keep their connections. The
   * engine calls it at most once per fault. Must not block or throw.
   */
  replaceUnresponsiveSocket?(): void;
}

/** What the connection reports; the engine's readiness waits follow it. */
export interface RedisConnectionListener {
  /** The connection can take commands now (first connection or a reconnect). */
  ready(): void;
  /**
   * A connection error or loss. `error` is what the client reported (a refused connection, a
   * `WRONGPASS` reply...), `undefined` when it closed without one.
   */
  lost(error: unknown): void;
}

/** A Redis client (standalone or cluster) as the engine drives it. */
export interface RedisCommandConnection {
  /** True for a cluster: `clear()` then groups keys by slot. */
  readonly isCluster: boolean;
  /** True when a command sent now is written at once. */
  readonly isReady: boolean;
  /**
   * Send one command, routed by `routingKey` on a cluster (to the key's master, never a
   * replica). Called only while {@link isReady}; must not queue it offline. Rejects with the
   * client's error; the engine bounds the call by its deadline.
   */
  send(routingKey: string, argv: string[]): Promise<unknown>;
  /**
   * Optional, clusters only. The master serving hash `slot` in the client's current slot
   * map, as a name that is the same for every slot of that master (e.g. `"host:port"`);
   * `undefined` when the map does not have the slot (not discovered yet). Batched reads group
   * a tick's keys by it, one command per master; without it they group per slot. A stale
   * answer costs a redirect, never a wrong reply. Called on the hot path: a lookup, no I/O.
   */
  masterOfSlot?(slot: number): string | undefined;
  /**
   * Optional. Send `commands` in this order on the one socket that serves `routingKey` (on a
   * cluster: the key's master), for a write and the `WAIT` that must follow it on the same
   * connection (`revocationReplicas`); the replies in order, rejecting with the first error.
   * Without it the engine calls {@link send} for each in the same tick, which must then keep
   * them in order on that socket. Called only while ready.
   */
  sendInOrder?(routingKey: string, commands: string[][]): Promise<readonly unknown[]>;
  /**
   * Optional. Open another connection like this one (same target, options, TLS, credentials,
   * database; for a cluster, another cluster client: one more socket per master), owned by
   * the engine: it starts connecting on its own (or on {@link requestConnect}) and is closed
   * with `close(true, ...)` when the backend closes, whoever owns this one. With
   * `revocationReplicas`, the engine opens one on the first revocation write and sends every
   * revocation write and its `WAIT` there, so reads and other writes never queue behind a
   * blocking `WAIT`. Must not block or throw; `undefined` when it cannot (the engine then
   * sends them on this connection).
   */
  openWriteConnection?(): RedisCommandConnection | undefined;
  /** The masters to SCAN; called only while ready. */
  masters(): Promise<readonly RedisMasterNode[]>;
  /** Report ready and lost events to `listener` until the returned function is called. */
  listen(listener: RedisConnectionListener): () => void;
  /**
   * A call is waiting for readiness: start connecting if the client is idle (e.g. built with
   * a lazy connect and never used). Must not block or throw.
   */
  requestConnect(): void;
  /**
   * Optional. The socket is up but answered nothing: a command missed its deadline and a PING
   * sent after it got no reply within half a deadline (a half-open link or a hung server,
   * under traffic that keeps the client from seeing the socket idle). Destroy the socket and
   * reconnect, failing the commands in flight on it. The engine calls it at most once per
   * fault (again only after the connection was ready again). Must not block or throw. Not
   * used for a cluster: there each master's {@link RedisMasterNode.replaceUnresponsiveSocket}
   * replaces that node's socket only.
   */
  replaceUnresponsiveSocket?(): void;
  /**
   * Release the connection. An owned client is closed gracefully within `timeoutMs`, then
   * dropped; a borrowed one is left as it is. Never rejects.
   */
  close(owned: boolean, timeoutMs: number): Promise<void>;
}
