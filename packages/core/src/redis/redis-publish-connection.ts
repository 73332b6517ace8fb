/**
 * What the invalidation-bus engine needs of the connection it publishes on (a single node or a
 * cluster: classic pub/sub reaches every node). The engine bounds every call by its deadline
 * and turns failures into typed errors; the connection only has to never send late.
 */

/** The connection PUBLISH goes to, as the engine drives it. */
export interface RedisPublishConnection {
  /**
   * Start connecting in the background a client the bus owns (if it is not connected yet).
   * Never waits or throws.
   */
  connect(): void;
  /**
   * PUBLISH `payload` on `channel`; resolves once Redis took it. While the client is not
   * ready, waits for it at most `timeoutMs` and then never sends (the caller was told it failed).
   * May reject with any error: the engine maps it.
   */
  publish(channel: string, payload: string, timeoutMs: number): Promise<unknown>;
  /**
   * Optional, with {@link ping} and {@link replaceUnresponsiveSocket}: true when a command sent
   * now is written at once. With all three the engine replaces a socket that answers nothing
   * (a publish missed its deadline, then a PING got no reply within one more).
   */
  readonly isReady?: boolean;
  /** Optional: PING on the publishing connection, sent at once (never queued). */
  ping?(): Promise<unknown>;
  /**
   * Optional: destroy the silent socket and reconnect (a standalone client only; a no-op for a
   * cluster). Must not block or throw.
   */
  replaceUnresponsiveSocket?(): void;
  /** Stop waiting; close the client if `owned` (within `timeoutMs`, then force it). Never rejects. */
  close(owned: boolean, timeoutMs: number): Promise<void>;
}
