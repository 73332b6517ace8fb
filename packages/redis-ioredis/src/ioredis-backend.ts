/**
 * The API-key cache over ioredis, on one node or a Redis Cluster. Entries are compact JSON under
 * `keyPrefix` with a millisecond TTL (`PX`), the same wire format as `@apikey/redis-node`. The
 * tricky points: an undecodable entry (garbage, wrong shape, WRONGTYPE) is a miss, removed only
 * if it is still the same bad value so a concurrent good write survives; and `clear()` scans
 * every master of a cluster and unlinks slot by slot, so no command ever spans two slots.
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
  entryWithPttl,
  prefixScanPattern,
  unlinkBatches,
} from "@apikey/core/redis";
import type { Redis } from "ioredis";
import { closeClientWithin } from "./close-client.js";
import { type IoredisClient, isIoredisCluster, looksLikeIoredisClient } from "./ioredis-client.js";
import { IoredisCommandRunner } from "./ioredis-command-runner.js";

const OWNER = "IoredisApiKeyCacheBackend";

/** Options of {@link IoredisApiKeyCacheBackend}. */
export interface IoredisApiKeyCacheBackendOptions {
  /**
   * Namespace of every key. Must not be empty: `clear()` removes every key under it.
   * @default "apikey:"
   */
  keyPrefix?: string;
  /** Where undecodable entries and cleanup failures are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /**
   * Deadline of every Redis command, waiting for the connection included, enforced by the
   * backend itself (the client's own timeout does not cover every case).
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * Close the client in `close()`. Leave it off for a client you passed in and still use;
   * `ioredisDriver` sets it for the client it creates.
   * @default false
   */
  ownsClient?: boolean;
}

/** Marks a WRONGTYPE reply: the key holds a hash, list, ... instead of our string. */
const WRONG_TYPE: unique symbol = Symbol("WRONGTYPE");
type WrongType = typeof WRONG_TYPE;

/** True for the runner's `E_BACKEND_UNAVAILABLE` wrapping a WRONGTYPE reply. */
function isWrongTypeFailure(error: unknown): boolean {
  const cause = error instanceof ApiKeyCacheError ? error.cause : undefined;
  return cause instanceof Error && cause.message.startsWith("WRONGTYPE");
}

function wrongTypeAsMarker(error: unknown): WrongType {
  if (error instanceof Error && error.message.startsWith("WRONGTYPE")) return WRONG_TYPE;
  throw error;
}

/**
 * An {@link ApiKeyCacheBackend} over an ioredis `Redis` or `Cluster`.
 *
 * ```ts
 * const backend = new IoredisApiKeyCacheBackend(new Redis(url), { keyPrefix: "apikey:" });
 * ```
 */
export class IoredisApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  /** The namespace of this backend's keys. */
  readonly keyPrefix: string;
  /** The client commands go to (owned only if `ownsClient` was set). */
  readonly client: IoredisClient;
  readonly #logger: ApiKeyCacheLogger;
  readonly #ownsClient: boolean;
  readonly #runner: IoredisCommandRunner;
  /** Keys whose removal is in flight, so a burst of reads of one bad entry removes it once. */
  readonly #removing = new Set<string>();
  #closing: Promise<void> | undefined;

  /**
   * Synchronous and network-free: the client connects on its own; calls wait for it within
   * their deadline.
   * @throws ApiKeyCacheError `E_CONFIG` for a missing client, an empty prefix or a bad timeout.
   */
  constructor(client: IoredisClient, options: IoredisApiKeyCacheBackendOptions = {}) {
    if (!looksLikeIoredisClient(client)) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${OWNER}: the first argument must be an ioredis Redis or Cluster client`,
      );
    }
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    assertKeyPrefix(keyPrefix, OWNER);
    const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.client = client;
    this.keyPrefix = keyPrefix;
    this.#logger = options.logger ?? defaultLogger;
    this.#ownsClient = options.ownsClient === true;
    this.#runner = new IoredisCommandRunner(client, commandTimeoutMs, OWNER);
  }

  async get(cacheKey: string): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    // The hot path: no `.catch` of its own (one promise less per call); WRONGTYPE is told
    // apart only once the call has failed.
    let raw: string | null | WrongType;
    try {
      raw = await this.#runner.run("GET", () => this.client.get(key));
    } catch (error) {
      if (!isWrongTypeFailure(error)) throw error;
      raw = WRONG_TYPE;
    }
    return this.#decodeStored(key, raw);
  }

  /**
   * The entry and its remaining TTL: GET and PTTL written together (auto-pipelined by a client
   * that has it on, back to back otherwise), one round trip and one deadline for the pair.
   * PTTL `-1` (no expiry) gives `Infinity`; `-2` (gone since the GET) a miss. An undecodable
   * or WRONGTYPE entry is a miss, reported and removed exactly as by `get`.
   */
  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    const client = this.client;
    const [raw, pttl] = await this.#runner.run("GET+PTTL", () =>
      Promise.all([client.get(key).catch(wrongTypeAsMarker), client.pttl(key)]),
    );
    const value = this.#decodeStored(key, raw);
    return value === undefined ? undefined : entryWithPttl(value, pttl);
  }

  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return;
    const key = this.keyPrefix + cacheKey;
    await this.#runner.run("SET", () => this.client.set(key, encoded, "PX", ttlMs));
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return false;
    const key = this.keyPrefix + cacheKey;
    const reply = await this.#runner.run("SET NX", () =>
      this.client.set(key, encoded, "PX", ttlMs, "NX"),
    );
    return reply !== null;
  }

  /**
   * Store if absent and return what was there, in one round trip (`SET ... NX GET`, Redis 7+).
   * An undecodable entry found there counts as absent: it is removed if unchanged and the
   * store is tried once more.
   */
  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return this.get(cacheKey);
    const key = this.keyPrefix + cacheKey;
    const setNxGet = (): Promise<string | null | WrongType> =>
      this.#runner.run("SET NX GET", () =>
        this.client.set(key, encoded, "PX", ttlMs, "NX", "GET").catch(wrongTypeAsMarker),
      );
    const previous = await setNxGet();
    if (previous === null) return undefined;
    const decoded = this.#decodeStored(key, previous, false);
    if (decoded !== undefined) return decoded;
    // The bad entry blocked our write: remove it (if unchanged) and try once more.
    await this.#removeUndecodable(key, previous);
    return this.#decodeStored(key, await setNxGet());
  }

  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    await this.#runner.run("UNLINK", () => this.client.unlink(key));
  }

  /**
   * Remove every key under `keyPrefix` (SCAN with the escaped prefix, then UNLINK in batches),
   * on every master of a cluster. Each command has its own deadline.
   */
  async clear(): Promise<void> {
    this.#assertOpen();
    const pattern = prefixScanPattern(this.keyPrefix);
    const client = this.client;
    const cluster = isIoredisCluster(client);
    // Bounded batches, one slot each on a cluster; auto-pipelining sends them together.
    const unlink = async (keys: string[]): Promise<void> => {
      await Promise.all(
        unlinkBatches(keys, cluster).map((batch) =>
          this.#runner.run("UNLINK", () => client.unlink(...batch)),
        ),
      );
    };
    if (!isIoredisCluster(client)) {
      await this.#clearNode(client, pattern, unlink);
      return;
    }
    // The master list is known only once the cluster is ready.
    await this.#runner.run("connection", () => Promise.resolve());
    const masters = client.nodes("master");
    if (masters.length === 0) {
      throw new ApiKeyCacheError("E_BACKEND_UNAVAILABLE", `${OWNER}: the cluster has no master`);
    }
    await Promise.all(masters.map((node) => this.#clearNode(node, pattern, unlink)));
  }

  /** Idempotent. Quits the client only if the backend owns it; later calls reject `E_CLOSED`. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#runner.dispose();
    this.#closing = this.#ownsClient
      ? closeClientWithin(this.client, this.#runner.timeoutMs)
      : Promise.resolve();
    return this.#closing;
  }

  async #clearNode(
    node: Redis,
    pattern: string,
    unlink: (keys: string[]) => Promise<unknown>,
  ): Promise<void> {
    let cursor = "0";
    do {
      const current = cursor;
      const [next, keys] = await this.#runner.run("SCAN", () =>
        node.scan(current, "MATCH", pattern, "COUNT", CLEAR_BATCH_SIZE),
      );
      if (keys.length > 0) await unlink(keys);
      cursor = next;
    } while (cursor !== "0");
  }

  /**
   * Decode what Redis returned; an undecodable entry is reported, removed if unchanged (in the
   * background unless told otherwise) and read as a miss.
   */
  #decodeStored(
    key: string,
    raw: string | null | WrongType,
    // A plain flag, not an options object: this runs on every read.
    removeInBackground = true,
  ): V | undefined {
    if (raw === null) return undefined;
    const decoded = raw === WRONG_TYPE ? undefined : decodeCachedApiKey<V>(raw);
    if (decoded !== undefined) return decoded;
    this.#logger.warn(
      raw === WRONG_TYPE
        ? `${OWNER}: ${key} is not a string (WRONGTYPE); read as a miss, removing it`
        : `${OWNER}: ${key} holds a value that is not a cached API key (not JSON, or no apiKey/active); read as a miss, removing it`,
    );
    if (removeInBackground) void this.#removeUndecodable(key, raw);
    return undefined;
  }

  /** Compare-and-delete: remove `key` only if it still holds `raw` (or is still of that type). */
  async #removeUndecodable(key: string, raw: string | WrongType): Promise<void> {
    if (this.#removing.has(key) || this.#closing !== undefined) return;
    this.#removing.add(key);
    try {
      let value = "";
      let type = "string";
      if (raw === WRONG_TYPE) {
        type = await this.#runner.run("TYPE", () => this.client.type(key));
        // Already replaced by a string (maybe a good one) or gone: nothing to remove.
        if (type === "string" || type === "none") return;
      } else value = raw;
      const removed = await this.#runner.run("EVAL", () =>
        this.client.eval(DELETE_IF_UNCHANGED_SCRIPT, 1, key, value, type),
      );
      this.#logger.debug(
        removed === 1
          ? `${OWNER}: removed the undecodable entry ${key}`
          : `${OWNER}: left ${key} in place: it changed since it was read`,
      );
    } catch (error) {
      this.#logger.warn(
        `${OWNER}: could not remove the undecodable entry ${key}; it will be retried on the next read`,
        error,
      );
    } finally {
      this.#removing.delete(key);
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ApiKeyCacheError("E_CLOSED", `${OWNER} is closed`);
  }
}
