/**
 * Vitest registration of the resolver outage scenario on a caller's store: while the store
 * hangs (the caller's `pause()`, e.g. SIGSTOP of redis-server), every lookup of a valid key
 * still succeeds through the loader within `timeoutMs` + load time + 1 s. The breaker counts
 * distinct failures over time, not calls: the first batch of 50 timeouts is one failure and
 * leaves the circuit closed; each later batch (one read deadline later) is another, and once
 * `circuitFailureThreshold` of them have been seen the circuit opens and lookups stop paying
 * the timeout; after `resume()` a probe closes it and hits come from the cache again. The store
 * must hang, not fail fast: only a hang makes the batches pay the timeout.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

/** Options of {@link describeResolverOutage}. */
export interface ResolverOutageOptions<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** The resolver's backend, called once when the test starts. */
  createBackend(): B | Promise<B>;
  /** Release the backend after the test. @default `backend.close()` */
  dispose?(backend: B): Promise<void>;
  /** Make the store stop answering (calls hang, connections stay open). */
  pause(): void | Promise<void>;
  /** Let the store answer again. Also called if the test fails while paused. */
  resume(): void | Promise<void>;
}

const TIMEOUT_MS = 300;
const MAX_LOAD_MS = 5;
const BOUND_MS = TIMEOUT_MS + MAX_LOAD_MS + 1_000;
// Distinct failures that open the circuit: each batch's timeouts fire together and count once.
const FAILURE_THRESHOLD = 3;
// Long enough that the batch right after the circuit opens runs before any probe.
const PROBE_MS = 2_000;
const KEY_COUNT = 60;
const WARM_KEYS = 40;
const CALLS = 500;
const BATCH = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve `keys` at once; each result with how long its call took. */
async function timedResolves(
  resolve: (key: string) => Promise<CachedApiKey | undefined>,
  keys: readonly string[],
): Promise<Array<{ key: string; result: CachedApiKey | undefined; elapsedMs: number }>> {
  return Promise.all(
    keys.map(async (key) => {
      const started = performance.now();
      const result = await resolve(key);
      return { key, result, elapsedMs: performance.now() - started };
    }),
  );
}

/**
 * Register the outage scenario for vitest: `describe(name)` with one test.
 *
 * @example
 * const redis = useRedisServer({ spawn: true });
 * describeResolverOutage("resolver over my backend while Redis is paused", {
 *   createBackend: () => createMyBackend({ url: redis.url }),
 *   pause: () => redis.pause(),
 *   resume: () => redis.resume(),
 * });
 */
export function describeResolverOutage<B extends ApiKeyCacheBackend>(
  name: string,
  options: ResolverOutageOptions<B>,
): void {
  describe(name, () => {
    let open: B | undefined;
    afterEach(async () => {
      const backend = open;
      open = undefined;
      if (backend === undefined) return;
      if (options.dispose !== undefined) await options.dispose(backend);
      else await backend.close();
    });
    it("500 lookups succeed through the loader in time; one batch of timeouts is one failure; the open circuit skips the cache; hits resume after resume()", async () => {
      const backend = await options.createBackend();
      open = backend;
      const keys = Array.from({ length: KEY_COUNT }, (_, i) => `ak_outage_${i}`);
      const database = new Map(keys.map((key) => [hashApiKey(key), { apiKey: key, active: true }]));
      const resolver = createApiKeyResolver({
        backend,
        load: async (keyHash) => {
          await sleep(Math.random() * MAX_LOAD_MS);
          return database.get(keyHash);
        },
        timeoutMs: TIMEOUT_MS,
        circuitFailureThreshold: FAILURE_THRESHOLD,
        circuitProbeMs: PROBE_MS,
        circuitProbeMaxMs: PROBE_MS,
        logger: silentLogger,
      });

      // Before the outage: the first WARM_KEYS keys are cached and served from the store. A
      // store still connecting may make a first read miss its deadline: load again until cached.
      const warmBy = performance.now() + 10_000;
      for (const key of keys.slice(0, WARM_KEYS)) {
        for (;;) {
          const hits = resolver.stats().hits;
          expect((await resolver.resolve(key))?.active).toBe(true);
          if (resolver.stats().hits > hits || performance.now() > warmBy) break;
        }
      }
      const warm = resolver.stats();
      for (const key of keys.slice(0, WARM_KEYS)) await resolver.resolve(key);
      expect(resolver.stats()).toMatchObject({
        hits: warm.hits + WARM_KEYS,
        loads: warm.loads,
        circuit: "closed",
      });

      await options.pause();
      try {
        const before = resolver.stats();
        let openedAfterBatch: number | undefined;
        for (let done = 0; done < CALLS; done += BATCH) {
          // A mix of cached and never-cached keys, repeats included.
          const batch = Array.from(
            { length: BATCH },
            (_, i) => keys[((done + i) * 7) % KEY_COUNT] as string,
          );
          const statsBefore = resolver.stats();
          const outcomes = await timedResolves((key) => resolver.resolve(key), batch);
          for (const { key, result, elapsedMs } of outcomes) {
            expect(result, key).toEqual({ apiKey: key, active: true });
            expect(elapsedMs, key).toBeLessThan(BOUND_MS);
          }
          const statsAfter = resolver.stats();
          if (done === 0) {
            // 50 timeouts at once are one failure, not 50: the circuit stays closed.
            expect(statsAfter.timeouts - statsBefore.timeouts).toBe(BATCH);
            expect(statsAfter.circuit).toBe("closed");
          }
          if (openedAfterBatch !== undefined && done === openedAfterBatch + BATCH) {
            // Right after it opened: no call of this batch waited for the hung cache.
            expect(statsAfter.circuit).toBe("open");
            expect(statsAfter.timeouts).toBe(statsBefore.timeouts);
            expect(statsAfter.bypasses - statsBefore.bypasses).toBe(BATCH);
            for (const { key, elapsedMs } of outcomes) {
              expect(elapsedMs, key).toBeLessThan(TIMEOUT_MS);
            }
          }
          if (openedAfterBatch === undefined && statsAfter.circuit === "open") {
            openedAfterBatch = done;
          }
        }
        // Each batch paying the timeout is one distinct failure: it opened after the
        // threshold's worth of batches (more only if a deadline fired late on a loaded machine).
        expect(openedAfterBatch).toBeDefined();
        expect(openedAfterBatch as number).toBeGreaterThanOrEqual((FAILURE_THRESHOLD - 1) * BATCH);
        expect(openedAfterBatch as number).toBeLessThan(CALLS - BATCH);
        const during = resolver.stats();
        expect(during.circuitOpens).toBe(1);
        // Every lookup went around the cache to the loader.
        expect(during.bypasses - before.bypasses).toBe(CALLS);
        expect(during.hits).toBe(before.hits);
        expect(during.loads).toBeGreaterThan(before.loads);
        expect(during.timeouts).toBeGreaterThan(0);
      } finally {
        await options.resume();
      }

      // The breaker probes every PROBE_MS; once the cache answers it closes.
      const recoveryDeadline = performance.now() + PROBE_MS + 15_000;
      while (resolver.stats().circuit !== "closed" && performance.now() < recoveryDeadline) {
        await resolver.resolve(keys[0] as string);
        await sleep(50);
      }
      expect(resolver.stats().circuit).toBe("closed");

      const recovered = resolver.stats();
      for (const key of keys.slice(0, WARM_KEYS)) {
        expect(await resolver.resolve(key)).toEqual({ apiKey: key, active: true });
      }
      const after = resolver.stats();
      expect(after.hits - recovered.hits).toBe(WARM_KEYS);
      expect(after.loads).toBe(recovered.loads);
      expect(after.circuit).toBe("closed");
      // Explicit, so the bound does not depend on the caller's vitest config.
    }, 30_000);
  });
}
