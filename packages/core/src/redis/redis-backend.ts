/**
 * The API-key cache on Redis, written once for every client: a client adapter supplies a
 * {@link RedisCommandConnection}, this class does the rest. Entries are compact JSON under
 * `keyPrefix` with a millisecond TTL (`PX`), one wire format whatever the client. The tricky
 * points: an undecodable entry (garbage, wrong shape, WRONGTYPE) is a miss, removed only if it
 * is still the same bad value so a concurrent good write survives (see `undecodable-cleanup`);
 * and every call, waiting for the connection included, has the deadline. Reads of one tick
 * are batched (`redis-read-batcher`) unless `batchReads` is off.
 */
import type { ApiKeyCacheBackend, CachedApiKey, CachedApiKeyWithTtl } from "../backend.js";
import { ApiKeyCacheError } from "../errors.js";
import { isRevokedMarker } from "../stored-markers.js";
import { assertCacheKey, ttlToMilliseconds } from "../validation.js";
import { decodeCachedApiKey, encodeCachedApiKey } from "../value-codec.js";
import type { DeadlineCall } from "./deadline-queue.js";
import { DecodedValueCache } from "./decoded-value-cache.js";
import { watchMaxmemoryPolicy } from "./maxmemory-policy-check.js";
import { NegativeMarkerBudget } from "./negative-marker-budget.js";
import {
  type RedisBackendOptions,
  type ResolvedRedisBackendOptions,
  resolveRedisBackendOptions,
} from "./redis-backend-options.js";
import { batchedGet, batchedGetWithTtl } from "./redis-batched-reads.js";
import { clearKeyPrefix } from "./redis-clear.js";
import type { RedisCommandConnection } from "./redis-command-connection.js";
import { RedisCommandRunner } from "./redis-command-runner.js";
import { isWrongTypeError } from "./redis-errors.js";
import { entryWithPttl } from "./redis-keyspace.js";
import { batchGrouping, RedisReadBatcher } from "./redis-read-batcher.js";
import { RedisReadScriptSender } from "./redis-read-script-sender.js";
import { replaceIfUnchangedOnRedis } from "./redis-replace-if-unchanged.js";
import { RevocationWritePath } from "./revocation-write-path.js";
import { UndecodableCleanup, WRONG_TYPE, type WrongType } from "./undecodable-cleanup.js";

/** An {@link ApiKeyCacheBackend} on any Redis client, through its {@link RedisCommandConnection}. */
export class RedisApiKeyCacheBackend<V extends CachedApiKey = CachedApiKey>
  implements ApiKeyCacheBackend<V>
{
  /** The namespace of this backend's keys. */
  readonly keyPrefix: string;
  /** Deadline of every Redis round trip, in milliseconds. */
  readonly commandTimeoutMs: number;
  /** Whether `close()` closes the client. */
  readonly ownsClient: boolean;
  readonly #connection: RedisCommandConnection;
  readonly #runner: RedisCommandRunner;
  readonly #cleanup: UndecodableCleanup;
  /** Reads of the same stored bytes share one decoded, frozen record (`decoded-value-cache`). */
  readonly #decoded = new DecodedValueCache<V>();
  readonly #owner: string;
  /** The `get` and `getWithTtl` batches; undefined with `batchReads: false`. */
  readonly #gets: RedisReadBatcher<V | undefined> | undefined;
  readonly #getsWithTtl: RedisReadBatcher<CachedApiKeyWithTtl<V> | undefined> | undefined;
  /** Stops the background maxmemory-policy check (`close()`). */
  readonly #stopPolicyCheck: () => void;
  /** Caps the TTL of not-found markers over `negativeMarkersPerSecond`; unset without a cap. */
  readonly #markerBudget: NegativeMarkerBudget | undefined;
  /**
   * Where revocation writes go with `revocationReplicas` (a dedicated connection, opened on
   * the first one); unset without the option.
   */
  readonly #revocationWrites: RevocationWritePath | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Synchronous and network-free.
   * @param owner the class name used in errors and log lines
   * @throws ApiKeyCacheError `E_CONFIG` for an empty prefix, a bad timeout or logger.
   */
  constructor(
    connection: RedisCommandConnection,
    options: RedisBackendOptions | ResolvedRedisBackendOptions,
    owner: string,
  ) {
    const resolved = resolveRedisBackendOptions(options, owner);
    this.keyPrefix = resolved.keyPrefix;
    this.commandTimeoutMs = resolved.commandTimeoutMs;
    this.ownsClient = resolved.ownsClient;
    this.#owner = owner;
    this.#connection = connection;
    this.#runner = new RedisCommandRunner(connection, resolved.commandTimeoutMs, owner);
    this.#cleanup = new UndecodableCleanup(this.#runner, resolved.logger, owner);
    this.#revocationWrites =
      resolved.revocationReplicas === undefined
        ? undefined
        : new RevocationWritePath(connection, this.#runner, resolved.revocationReplicas, owner);
    this.#stopPolicyCheck = resolved.checkMaxmemoryPolicy
      ? watchMaxmemoryPolicy(connection, this.#runner, resolved.logger, owner)
      : () => {};
    this.#markerBudget =
      resolved.negativeMarkersPerSecond === Number.POSITIVE_INFINITY
        ? undefined
        : new NegativeMarkerBudget(
            resolved.negativeMarkersPerSecond,
            ttlToMilliseconds(resolved.negativeTtlUnderPressureSeconds),
          );
    if (resolved.batchReads) {
      const cleanup = this.#cleanup;
      const { maxReadBatchSize } = resolved;
      const onNilKeys = (keys: string[]): void => cleanup.sweepNilReads(keys);
      const decode = (key: string, raw: unknown): V | undefined => this.#decodeRead(key, raw);
      const runner = this.#runner;
      const cluster = batchGrouping(connection);
      const scripts = new RedisReadScriptSender();
      const gets = batchedGet(decode, onNilKeys, scripts);
      this.#gets = new RedisReadBatcher(runner, gets, maxReadBatchSize, cluster);
      const getsWithTtl = batchedGetWithTtl(decode, scripts);
      this.#getsWithTtl = new RedisReadBatcher(runner, getsWithTtl, maxReadBatchSize, cluster);
    }
  }

  /** Batched unless `batchReads` is off: each caller's reply is decoded for that caller. */
  get(cacheKey: string): Promise<V | undefined> {
    const gets = this.#gets;
    if (gets === undefined) return this.#getAlone(cacheKey);
    try {
      this.#assertOpen();
      assertCacheKey(cacheKey);
    } catch (error) {
      return Promise.reject(error);
    }
    return gets.read(this.keyPrefix + cacheKey);
  }

  /**
   * `get` with `batchReads: false`: one GET per call. The hot path of an unbatched client, so
   * it holds one promise of its own (the deadline's) and one reaction on the client's reply:
   * no async function, no `.catch`; WRONGTYPE is told apart only once the reply has failed.
   */
  #getAlone(cacheKey: string): Promise<V | undefined> {
    try {
      this.#assertOpen();
      assertCacheKey(cacheKey);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.keyPrefix + cacheKey;
    const runner = this.#runner;
    const call = runner.open<V | undefined>("GET");
    runner.start(key, ["GET", key]).then(
      (raw) => this.#settleRead(call, key, raw),
      (error: unknown) => {
        if (isWrongTypeError(error)) this.#settleRead(call, key, WRONG_TYPE);
        else call.fail(error);
      },
    );
    return call.promise;
  }

  /** Settle `call` with the decoded reply; a throwing logger fails this call only. */
  #settleRead(call: DeadlineCall<V | undefined>, key: string, raw: unknown): void {
    try {
      call.settle(this.#decodeRead(key, raw));
    } catch (error) {
      call.fail(error);
    }
  }

  /**
   * The entry and its remaining TTL: GET and PTTL written in the same tick (pipelined by the
   * client), one round trip and one deadline for the pair; batched, one script for the values
   * and PTTLs of a whole batch. PTTL `-1` (no expiry) gives
   * `Infinity`; `-2` (gone since the GET) a miss. An undecodable or WRONGTYPE entry is a
   * miss, reported and removed exactly as by `get`.
   */
  async getWithTtl(cacheKey: string): Promise<CachedApiKeyWithTtl<V> | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    const batched = this.#getsWithTtl;
    if (batched !== undefined) return batched.read(key);
    const runner = this.#runner;
    const [raw, pttl] = await runner.bound(
      Promise.all([
        runner.start(key, ["GET", key]).catch(wrongTypeAsMarker),
        runner.start(key, ["PTTL", key]),
      ]),
      "GET+PTTL",
    );
    const value = this.#decodeRead(key, raw);
    return value === undefined ? undefined : entryWithPttl(value, pttl);
  }

  /** A tombstone, with `revocationReplicas`, is acknowledged once that many replicas have it. */
  async set(cacheKey: string, value: V, ttlSeconds: number): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return;
    const key = this.keyPrefix + cacheKey;
    const argv = ["SET", key, encoded, "PX", String(ttlMs)];
    await this.#write(key, "SET", argv, isRevokedMarker(value));
  }

  async setIfAbsent(cacheKey: string, value: V, ttlSeconds: number): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const requestedMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    const ttlMs = this.#storedTtlMs(encoded, requestedMs);
    if (ttlMs === 0) return false;
    const key = this.keyPrefix + cacheKey;
    const argv = ["SET", key, encoded, "PX", String(ttlMs), "NX"];
    return (await this.#runner.send(key, argv, "SET NX")) !== null;
  }

  /**
   * Store if absent and return what was there, in one round trip (`SET NX PX GET`, Redis 7+).
   * An undecodable entry in the way is removed (if unchanged) and the write tried once more.
   */
  async setIfAbsentGet(cacheKey: string, value: V, ttlSeconds: number): Promise<V | undefined> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const requestedMs = ttlToMilliseconds(ttlSeconds);
    const encoded = encodeCachedApiKey(value);
    const ttlMs = this.#storedTtlMs(encoded, requestedMs);
    if (ttlMs === 0) return this.get(cacheKey);
    const key = this.keyPrefix + cacheKey;
    // At most two tries: the second follows the removal of an undecodable entry in the way.
    for (let attempt = 0; attempt < 2; attempt++) {
      const argv = ["SET", key, encoded, "PX", String(ttlMs), "NX", "GET"];
      let raw: unknown;
      try {
        raw = await this.#runner.send(key, argv, "SET NX GET");
      } catch (error) {
        if (!isWrongTypeReply(error)) throw error;
        raw = WRONG_TYPE;
      }
      if (raw === null || raw === undefined) return undefined;
      const stored = raw === WRONG_TYPE ? WRONG_TYPE : String(raw);
      const existing = stored === WRONG_TYPE ? undefined : decodeCachedApiKey<V>(stored);
      if (existing !== undefined) return existing;
      // Here the write needs the entry gone before its second try, so it waits for the removal.
      this.#cleanup.report(key, stored);
      await this.#cleanup.remove(key, stored);
    }
    return undefined;
  }

  /**
   * Compare-and-set: replace the entry with `value` for `ttlSeconds` only if it still holds
   * exactly what `expected` encodes to (one Lua script, atomic on the server, routed by the
   * key on a cluster); `true` if replaced. Absent, expired, changed or of another type: `false`.
   */
  async replaceIfUnchanged(
    cacheKey: string,
    expected: V,
    value: V,
    ttlSeconds: number,
  ): Promise<boolean> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    const expectedEncoded = encodeCachedApiKey(expected);
    const encoded = encodeCachedApiKey(value);
    if (ttlMs === 0) return false;
    const key = this.keyPrefix + cacheKey;
    return replaceIfUnchangedOnRedis(this.#runner, key, expectedEncoded, encoded, ttlMs);
  }

  /** With `revocationReplicas`, acknowledged once that many replicas have the delete too. */
  async delete(cacheKey: string): Promise<void> {
    this.#assertOpen();
    assertCacheKey(cacheKey);
    const key = this.keyPrefix + cacheKey;
    await this.#write(key, "UNLINK", ["UNLINK", key], true);
  }

  /**
   * Send one write of `key` (`command` names it in errors); a revocation write (`revokes`)
   * with `revocationReplicas` set goes on the dedicated write connection, batched with the
   * other revocation writes of its tick, and is acknowledged only once that many replicas
   * have it too.
   */
  async #write(key: string, command: string, argv: string[], revokes: boolean): Promise<void> {
    const revocationWrites = this.#revocationWrites;
    if (revokes && revocationWrites !== undefined) {
      await revocationWrites.write(key, argv);
      return;
    }
    await this.#runner.send(key, argv, command);
  }

  /** Remove every key under `keyPrefix`, on every master of a cluster. */
  async clear(): Promise<void> {
    this.#assertOpen();
    const connection = this.#connection;
    await clearKeyPrefix(
      this.#runner,
      () => connection.masters(),
      this.keyPrefix,
      connection.isCluster,
      this.#owner,
    );
  }

  /** Idempotent. Closes the client only if the backend owns it; later calls reject `E_CLOSED`. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#stopPolicyCheck();
      this.#runner.close();
      const timeoutMs = this.commandTimeoutMs;
      this.#closing = Promise.all([
        this.#connection.close(this.ownsClient, timeoutMs),
        this.#revocationWrites?.close(timeoutMs),
      ]).then(() => {});
    }
    return this.#closing;
  }

  /**
   * A GET reply as a read returns it (shared with earlier reads of the same bytes); an
   * undecodable entry is removed in the background.
   */
  #decodeRead(key: string, raw: unknown): V | undefined {
    if (raw === null || raw === undefined) return undefined;
    const stored = raw === WRONG_TYPE ? WRONG_TYPE : typeof raw === "string" ? raw : String(raw);
    const value = stored === WRONG_TYPE ? undefined : this.#decoded.decode(stored);
    if (value !== undefined) return value;
    this.#cleanup.report(key, stored);
    void this.#cleanup.remove(key, stored);
    return undefined;
  }

  /** The TTL a write stores with: a not-found marker over the budget gets a shorter one. */
  #storedTtlMs(encoded: string, ttlMs: number): number {
    const budget = this.#markerBudget;
    return budget === undefined ? ttlMs : budget.ttlFor(encoded, ttlMs);
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`);
    }
  }
}

/** True for the runner's error wrapping a WRONGTYPE reply. */
function isWrongTypeReply(error: unknown): boolean {
  return error instanceof ApiKeyCacheError && isWrongTypeError(error.cause);
}

function wrongTypeAsMarker(error: unknown): WrongType {
  if (isWrongTypeError(error)) return WRONG_TYPE;
  throw error;
}
