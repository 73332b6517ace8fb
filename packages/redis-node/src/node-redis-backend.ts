/**
 * The Redis backend over node-redis, standalone or cluster. The tricky points: every call is
 * bounded by a client-independent `DeadlineQueue` (node-redis's own per-command timeout is
 * turned off, it costs ~5-7x throughput and misses a hung socket), and an undecodable entry
 * is removed only if it is still the same bad value (or type), so a concurrent good write
 * is never lost. Reads do not wait for that removal: it runs in the background, at most one
 * at a time per key, so a hot bad key costs one cleanup, not one per reader.
 */
import {
  type ApiKeyCacheBackend,
  ApiKeyCacheError,
  type ApiKeyCacheLogger,
  assertCacheKey,
  type CachedApiKey,
  type CachedApiKeyWithTtl,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  decodeCachedApiKey,
  defaultLogger,
  encodeCachedApiKey,
  ttlToMilliseconds,
} from "@apikey/core";
import {
  assertKeyPrefix,
  CLEAR_BATCH_SIZE,
  DELETE_IF_UNCHANGED_SCRIPT,
  DeadlineQueue,
  entryWithPttl,
  prefixScanPattern,
  unlinkBatches,
} from "@apikey/core/redis";
import {
  isNodeRedisClientLike,
  type NodeRedisClient,
  type NodeRedisClientOrCluster,
} from "./node-redis-client.js";
import { NodeRedisConnection } from "./node-redis-connection.js";
import { assertLogger, assertTimeout } from "./options-validation.js";

const OWNER = "NodeRedisApiKeyCacheBackend";

/** Options of {@link NodeRedisApiKeyCacheBackend}. */
export interface NodeRedisApiKeyCacheBackendOptions {
  /** Namespace of every key; must not be empty (`clear()` removes everything under it). @default "apikey:" */
  keyPrefix?: string;
  /** Where undecodable entries and connection trouble are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /** Deadline of every Redis round trip, in milliseconds, waiting for the connection included. @default 1000 */
  commandTimeoutMs?: number;
  /**
   * The backend owns the client: it connects it in the background if it is not open yet
   * (retrying cluster discovery) and closes it on `close()`. `nodeRedisDriver` sets this for
   * the clients it creates; a client you pass in stays yours by default. @default false
   */
  ownsClient?: boolean;
}

/**
 * An {@link ApiKeyCacheBackend} on Redis through node-redis (`createClient()` or
 * `createCluster()`). Entries are compact JSON under `keyPrefix`, with millisecond TTLs.
 *
 * Construction never touches the network. Calls made before the client is ready wait for it
 * within their deadline; store failures reject with `ApiKeyCacheError` `E_BACKEND_UNAVAILABLE`.
 * With a client you pass in, keep node-redis's offline queue off (`disableOfflineQueue`) if
 * you can: with it on, a command queued while disconnected is written after reconnecting,
 * even though its caller already got the deadline error.
 */
export class NodeRedisApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  /** The client or cluster the backend sends commands through. */
  readonly client: NodeRedisClientOrCluster;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Whether `close()` closes {@link client}. */
  readonly ownsClient: boolean;
  readonly #logger: ApiKeyCacheLogger;
  readonly #connection: NodeRedisConnection;
  readonly #deadline: DeadlineQueue;
  readonly #scanPattern: string;
  /** Undecodable entries being removed, by full key: one cleanup per key at a time. */
  readonly #removing = new Map<string, Promise<void>>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(client: NodeRedisClientOrCluster, options: NodeRedisApiKeyCacheBackendOptions = {}) {
    if (!isNodeRedisClientLike(client)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: client must be a node-redis client (createClient()) or cluster (createCluster())`,
      );
    }
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    assertKeyPrefix(keyPrefix, OWNER);
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    assertTimeout(commandTimeoutMs, OWNER);
    const logger = options.logger ?? defaultLogger;
    assertLogger(logger, OWNER);
    this.client = client;
    this.keyPrefix = keyPrefix;
    this.commandTimeoutMs = commandTimeoutMs;
    this.ownsClient = options.ownsClient === true;
    this.#logger = logger;
    this.#scanPattern = prefixScanPattern(keyPrefix);
    this.#connection = new NodeRedisConnection(client, OWNER);
    this.#deadline = new DeadlineQueue(
      commandTimeoutMs,
      (timeoutMs) =>
        new ApiKeyCacheError(
          "E_BACKEND_UNAVAILABLE",
          this.#connection.isReady
            ? `${OWNER}: Redis did not answer within ${timeoutMs} ms`
            : `${OWNER}: Redis is not connected (waited ${timeoutMs} ms)`,
        ),
    );
    if (this.ownsClient) this.#connection.connectInBackground(logger);
  }

  async get(cacheKey: string): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    let raw: unknown;
    try {
      raw = await this.#command(key, ["GET", key]);
    } catch (error) {
      if (!isWrongTypeError(error)) throw this.#failure("get", error);
      raw = WRONG_TYPE;
    }
    return this.#decodeRead(key, raw);
  }

  /**
   * The entry and its remaining TTL: GET and PTTL written in the same tick, which node-redis
   * sends as one pipelined write (to the key's master on a cluster), so one round trip and one
   * deadline for the pair. PTTL `-1` (no expiry) gives `Infinity`; `-2` (gone since the GET) a
   * miss. An undecodable or WRONGTYPE entry is a miss, reported and removed exactly as by `get`.
   */
  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    const connection = this.#connection;
    const timeoutMs = this.commandTimeoutMs;
    let raw: unknown;
    let pttl: unknown;
    try {
      [raw, pttl] = await this.#deadline.run(
        Promise.all([
          connection.send(key, ["GET", key], timeoutMs).catch(wrongTypeAsMarker),
          connection.send(key, ["PTTL", key], timeoutMs),
        ]),
      );
    } catch (error) {
      throw this.#failure("getWithTtl", error);
    }
    const value = this.#decodeRead(key, raw);
    return value === undefined ? undefined : entryWithPttl(value, pttl);
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return;
    const key = this.keyPrefix + cacheKey;
    try {
      await this.#command(key, ["SET", key, encoded, "PX", String(ttlMs)]);
    } catch (error) {
      throw this.#failure("set", error);
    }
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return false;
    const key = this.keyPrefix + cacheKey;
    try {
      return (await this.#command(key, ["SET", key, encoded, "NX", "PX", String(ttlMs)])) !== null;
    } catch (error) {
      throw this.#failure("setIfAbsent", error);
    }
  }

  /**
   * Store if absent and return what was there, in one round trip (`SET NX PX GET`, Redis 7+).
   * An undecodable entry in the way is removed (if unchanged) and the write tried once more.
   */
  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return this.get(cacheKey);
    const key = this.keyPrefix + cacheKey;
    const args = ["SET", key, encoded, "NX", "PX", String(ttlMs), "GET"];
    // At most two tries: the second follows the removal of an undecodable entry in the way.
    for (let attempt = 0; attempt < 2; attempt++) {
      let raw: unknown;
      try {
        raw = await this.#command(key, args);
      } catch (error) {
        if (!isWrongTypeError(error)) throw this.#failure("setIfAbsentGet", error);
        raw = WRONG_TYPE;
      }
      if (raw === null || raw === undefined) return undefined;
      const existing = raw === WRONG_TYPE ? undefined : this.#decodeQuietly(raw);
      if (existing !== undefined) return existing;
      // Here the write needs the entry gone before its second try, so it waits for the removal.
      this.#reportUndecodable(key, raw);
      await this.#removeUndecodable(key, raw);
    }
    return undefined;
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    try {
      await this.#command(key, ["UNLINK", key]);
    } catch (error) {
      throw this.#failure("delete", error);
    }
  }

  /**
   * Remove every key under the prefix: SCAN MATCH (prefix escaped) COUNT 500 and UNLINK in
   * batches, on every master of a cluster (keys grouped by slot, so never CROSSSLOT). Each
   * round trip has the deadline, not the whole sweep.
   */
  async clear(): Promise<void> {
    this.#assertOpen();
    try {
      const nodes = await this.#deadline.run(this.#connection.scanClients(this.commandTimeoutMs));
      await Promise.all(nodes.map((node) => this.#clearNode(node)));
    } catch (error) {
      throw this.#failure("clear", error);
    }
  }

  /** Idempotent. Closes the client only if the backend owns it; later calls reject `E_CLOSED`. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      this.#closing = this.#connection.close(this.ownsClient, this.commandTimeoutMs);
    }
    return this.#closing;
  }

  #command(key: string, args: string[]): Promise<unknown> {
    return this.#deadline.run(this.#connection.send(key, args, this.commandTimeoutMs));
  }

  async #clearNode(node: NodeRedisClient): Promise<void> {
    const bySlot = this.#connection.isCluster;
    let cursor = "0";
    do {
      const reply = (await this.#deadline.run(
        this.#connection.sendToNode(node, [
          "SCAN",
          cursor,
          "MATCH",
          this.#scanPattern,
          "COUNT",
          String(CLEAR_BATCH_SIZE),
        ]),
      )) as [string, string[]];
      cursor = String(reply[0]);
      const keys = reply[1];
      if (keys.length === 0) continue;
      await Promise.all(
        unlinkBatches(keys, bySlot).map((batch) =>
          this.#deadline.run(this.#connection.sendToNode(node, ["UNLINK", ...batch])),
        ),
      );
    } while (cursor !== "0");
  }

  /**
   * What a read returns for a GET reply: the entry, or a miss. An undecodable entry (or
   * WRONGTYPE) is reported and removed in the background: the read does not wait for it.
   */
  #decodeRead(key: string, raw: unknown): V | undefined {
    if (raw === null || raw === undefined) return undefined;
    const value = raw === WRONG_TYPE ? undefined : this.#decodeQuietly(raw);
    if (value !== undefined) return value;
    this.#reportUndecodable(key, raw);
    void this.#removeUndecodable(key, raw);
    return undefined;
  }

  #decodeQuietly(raw: unknown): V | undefined {
    return decodeCachedApiKey<V>(typeof raw === "string" ? raw : String(raw));
  }

  /** Warn about an undecodable entry, naming the key but never the value (it may hold a secret). */
  #reportUndecodable(key: string, raw: unknown): void {
    this.#logger.warn(
      raw === WRONG_TYPE
        ? `${OWNER}: key ${JSON.stringify(key)} is not a Redis string (WRONGTYPE), not a cached API key; read as a miss and removed`
        : `${OWNER}: entry ${JSON.stringify(key)} is not a cached API key (not JSON, or not {apiKey, active}); read as a miss and removed`,
    );
  }

  /**
   * Delete `key` if it still holds the same bad bytes (or, for WRONGTYPE, is still of the type
   * TYPE reports), so a good value written since the read is kept. At most one removal per key
   * runs at a time: a caller arriving meanwhile shares it. Never rejects.
   */
  #removeUndecodable(key: string, raw: unknown): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const running = this.#removing.get(key);
    if (running !== undefined) return running;
    const removal = this.#compareAndDelete(key, raw).finally(() => this.#removing.delete(key));
    this.#removing.set(key, removal);
    return removal;
  }

  async #compareAndDelete(key: string, raw: unknown): Promise<void> {
    try {
      let expected = "";
      let type = "string";
      if (raw === WRONG_TYPE) {
        type = String(await this.#command(key, ["TYPE", key]));
        // Already replaced by a string (maybe a good one) or gone: nothing to remove.
        if (type === "string" || type === "none") return;
      } else expected = String(raw);
      await this.#command(key, ["EVAL", DELETE_IF_UNCHANGED_SCRIPT, "1", key, expected, type]);
    } catch (error) {
      // The entry still reads as a miss; the next read tries again.
      if (!this.#closed) {
        this.#logger.warn(`${OWNER}: could not remove undecodable ${JSON.stringify(key)}`, error);
      }
    }
  }

  #failure(operation: string, error: unknown): ApiKeyCacheError {
    if (error instanceof ApiKeyCacheError) return error;
    if (this.#closed) {
      return new ApiKeyCacheError("E_CLOSED", `${OWNER} was closed during ${operation}()`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ApiKeyCacheError(
      "E_BACKEND_UNAVAILABLE",
      `${OWNER}: ${operation}() failed: ${reason}`,
      {
        cause: error,
      },
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`);
  }
}

function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

/** Marks a WRONGTYPE reply inside a pair of commands: the key holds a hash, list, ... */
const WRONG_TYPE: unique symbol = Symbol("WRONGTYPE");

function wrongTypeAsMarker(error: unknown): typeof WRONG_TYPE {
  if (isWrongTypeError(error)) return WRONG_TYPE;
  throw error;
}
