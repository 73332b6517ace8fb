/**
 * What the invalidation-bus engine needs of a client's dedicated pub/sub connection; each
 * client adapter implements it in one file, and the engine makes every decision. The tricky
 * point: a client may acknowledge a repeated SUBSCRIBE without a round trip (node-redis does),
 * so `subscribe()` resolving proves nothing about the link; the engine follows it with a
 * `ping()` on the same connection, which the server answers only after the SUBSCRIBE.
 */

/** What a subscriber connection reports to the engine; see {@link RedisSubscriberConnection.listen}. */
export interface RedisSubscriberEvents {
  /** A pub/sub message arrived on `channel` (the engine ignores other channels). */
  message(channel: string, payload: string): void;
  /** The connection is ready for commands, at first or after a reconnect. */
  ready(): void;
  /** The connection closed, failed or started reconnecting: messages may be missed. */
  lost(): void;
}

/** A dedicated single-node pub/sub connection, as the engine drives it. */
export interface RedisSubscriberConnection {
  /** True while commands can be written at once. */
  readonly isReady: boolean;
  /** Report to `events` from now on, until `close()`. Called once, by the engine's constructor. */
  listen(events: RedisSubscriberEvents): void;
  /**
   * Start connecting in the background what the bus may open: a client it owns, or one that
   * was never connected (lazy). Never waits, never throws, never reopens a closed client.
   */
  connect(): void;
  /** SUBSCRIBE `channel`; resolves once the client holds the subscription. Called while ready. */
  subscribe(channel: string): Promise<void>;
  /** UNSUBSCRIBE `channel`. Called while ready. */
  unsubscribe(channel: string): Promise<void>;
  /** PING on this connection; resolves on the answer. The engine bounds it by its deadline. */
  ping(): Promise<void>;
  /**
   * Replace a connection that stopped answering (called for owned clients only). A client
   * whose own socket timeout replaces a silent connection may leave this to that timeout.
   */
  reconnect(): void;
  /**
   * Stop reporting events; close the client if `owned` (within `timeoutMs`, then force it).
   * Never rejects.
   */
  close(owned: boolean, timeoutMs: number): Promise<void>;
}
