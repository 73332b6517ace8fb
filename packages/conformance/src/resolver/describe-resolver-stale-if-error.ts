/**
 * Vitest registration of the stale-if-error checks on a caller's store (`staleIfErrorSeconds`
 * needs a backend with `replaceIfUnchanged`): a record past its logical TTL is answered when
 * its reload fails, by the resolver that cached it and by another one on its own backend (the
 * record's `_freshUntil` travels in the stored entry); and a tombstone is never replaced by, or
 * answered as, the stale record, whether the revoke landed before the reload or during it.
 */
import { randomUUID } from "node:crypto";
import {
  type ApiKeyCacheBackend,
  type ApiKeyLoader,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  REVOKED_MARKER,
  type RevokeOptions,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

/** Options of {@link describeResolverStaleIfError}. */
export interface ResolverStaleIfErrorOptions<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** Two backends on one shared store, each with its own connection; called once per test. */
  createBackends(): readonly [B, B] | Promise<readonly [B, B]>;
  /** Release the backends after a test. @default closes each distinct backend */
  dispose?(backends: readonly [B, B]): Promise<void>;
  /**
   * Passed to every `revoke`: `{ wait: true }` over tiered backends, where another process's L1
   * copy may be served until `localTtlSeconds` after the write (keep that short).
   */
  revokeOptions?: RevokeOptions;
}

/** The logical TTL: short, so a test waits it out; the stale window is long, so it never closes. */
const TTL_SECONDS = 0.3;
const STALE_IF_ERROR_SECONDS = 60;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A stall the test releases, and the signal that a load reached it. */
interface LoadStall {
  readonly started: Promise<void>;
  release(): void;
}

/** A source of truth whose answer the test switches: the record, a failure, or a stall then a failure. */
function switchableLoader(record: CachedApiKey): {
  load: ApiKeyLoader;
  fail(): void;
  stallThenFail(): LoadStall;
} {
  let mode: "ok" | "fail" | "stall" = "ok";
  let reached = (): void => {};
  let released: Promise<void> = Promise.resolve();
  return {
    async load() {
      if (mode === "ok") return record;
      if (mode === "stall") {
        reached();
        await released;
      }
      throw new Error("the database is down");
    },
    fail() {
      mode = "fail";
    },
    stallThenFail() {
      mode = "stall";
      let release = (): void => {};
      released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started = new Promise<void>((resolve) => {
        reached = resolve;
      });
      return { started, release: () => release() };
    },
  };
}

function resolverOn(backend: ApiKeyCacheBackend, load: ApiKeyLoader): ApiKeyResolver {
  return createApiKeyResolver({
    backend,
    load,
    logger: silentLogger,
    ttlSeconds: TTL_SECONDS,
    staleIfErrorSeconds: STALE_IF_ERROR_SECONDS,
    // Generous: the checks are about which answer, not about a slow machine.
    timeoutMs: 2_000,
    loadTimeoutMs: 2_000,
    writeTimeoutMs: 2_000,
  });
}

/** Wait until a record cached now is past its logical TTL (with a margin). */
const pastLogicalTtl = (): Promise<void> => sleep(TTL_SECONDS * 1000 + 150);

/**
 * Register the stale-if-error checks for vitest: `describe(name)` with four tests.
 *
 * @example
 * describeResolverStaleIfError("memory", {
 *   createBackends: () => {
 *     const shared = new InMemoryApiKeyCacheBackend();
 *     return [shared, shared];
 *   },
 * });
 */
export function describeResolverStaleIfError<B extends ApiKeyCacheBackend>(
  name: string,
  options: ResolverStaleIfErrorOptions<B>,
): void {
  describe(name, () => {
    let open: readonly [B, B] | undefined;
    const backends = async (): Promise<readonly [B, B]> => {
      open = await options.createBackends();
      return open;
    };
    afterEach(async () => {
      const pair = open;
      open = undefined;
      if (pair === undefined) return;
      if (options.dispose !== undefined) await options.dispose(pair);
      else await Promise.all([...new Set(pair)].map((backend) => backend.close()));
    });

    it("a failing reload gets the stale record, on the resolver that cached it and on another one", async () => {
      const [first, second] = await backends();
      const plaintext = `ak_stale_${randomUUID()}`;
      const record = { apiKey: "ak_stale", active: true, plan: "pro" };
      const source = switchableLoader(record);
      const caching = resolverOn(first, source.load);
      const other = resolverOn(second, source.load);
      expect(await caching.resolve(plaintext)).toEqual(record);
      await pastLogicalTtl();
      source.fail();
      // The stored entry carries its logical expiry; the caller never sees the field.
      expect(await caching.resolve(plaintext)).toEqual(record);
      expect(await other.resolve(plaintext)).toEqual(record);
      expect(caching.stats().staleServed).toBe(1);
      expect(other.stats().staleServed).toBe(1);
      const stored = await second.get(hashApiKey(plaintext));
      expect(stored).toMatchObject(record);
      expect(typeof stored?._freshUntil).toBe("number");
    });

    it("a tombstone written after the record expired is answered and kept, never the stale record", async () => {
      const [first, second] = await backends();
      const plaintext = `ak_stale_${randomUUID()}`;
      const keyHash = hashApiKey(plaintext);
      const source = switchableLoader({ apiKey: "ak_stale", active: true });
      const caching = resolverOn(first, source.load);
      const other = resolverOn(second, source.load);
      await caching.resolve(plaintext);
      await pastLogicalTtl();
      await other.revoke(keyHash, options.revokeOptions);
      source.fail();
      for (const resolver of [caching, other]) {
        expect((await resolver.resolve(plaintext))?.active).toBe(false);
        expect(resolver.stats().staleServed).toBe(0);
      }
      expect(await first.get(keyHash)).toEqual(REVOKED_MARKER);
    });

    for (const revoker of ["the reloading resolver", "the other resolver"] as const) {
      it(`a revoke by ${revoker} during the reload of a stale record: the tombstone stays, and every later resolve is inactive`, async () => {
        const [first, second] = await backends();
        const plaintext = `ak_stale_${randomUUID()}`;
        const keyHash = hashApiKey(plaintext);
        const source = switchableLoader({ apiKey: "ak_stale", active: true });
        const caching = resolverOn(first, source.load);
        const other = resolverOn(second, source.load);
        await caching.resolve(plaintext);
        await pastLogicalTtl();
        const stall = source.stallThenFail();
        const reloading = caching.resolve(plaintext).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        await stall.started;
        const revoking = revoker === "the reloading resolver" ? caching : other;
        await revoking.revoke(keyHash, options.revokeOptions);
        stall.release();
        const outcome = await reloading;
        if (revoker === "the reloading resolver") {
          // Its flight was detached by the revoke: it never falls back to the old record.
          expect("result" in outcome ? outcome.result?.active : undefined).not.toBe(true);
          expect(caching.stats().staleServed).toBe(0);
        }
        // A resolve overlapping a revoke from another process may answer either; a failed
        // reload writes nothing, so the store keeps the tombstone.
        expect(await second.get(keyHash)).toEqual(REVOKED_MARKER);
        for (const resolver of [caching, other]) {
          expect((await resolver.resolve(plaintext))?.active).toBe(false);
        }
      });
    }
  });
}
