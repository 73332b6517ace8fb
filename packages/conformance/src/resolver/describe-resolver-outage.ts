/**
 * Vitest registration of the resolver outage scenario on a caller's store: while the store
 * hangs (the caller's `pause()`, e.g. SIGSTOP of redis-server), every lookup of a valid key
 * still succeeds through the loader within `timeoutMs` + load time + 1 s; once the circuit
 * breaker opens, lookups stop paying the timeout; after `resume()` and the breaker's probe
 * closes the circuit, hits come from the cache again. The store must hang, not fail fast:
 * only a hang makes the first batch pay the timeout.
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
// Long enough that the batches right after the circuit opens run before any probe.
const CIRCUIT_OPEN_MS = 3_000;
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
    it("500 lookups succeed through the loader in time; the open circuit skips the cache; hits resume after resume()", async () => {
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
        circuitOpenMs: CIRCUIT_OPEN_MS,
        logger: silentLogger,
      });

      // Before the outage: the first WARM_KEYS keys are cached and served from the store.
      for (const key of keys.slice(0, WARM_KEYS)) {
        expect((await resolver.resolve(key))?.active).toBe(true);
      }
      for (const key of keys.slice(0, WARM_KEYS)) await resolver.resolve(key);
      expect(resolver.stats()).toMatchObject({
        hits: WARM_KEYS,
        loads: WARM_KEYS,
        circuit: "closed",
      });

      await options.pause();
      try {
        const before = resolver.stats();
        for (let done = 0; done < CALLS; done += BATCH) {
          // A mix of cached and never-cached keys, repeats included.
          const batch = Array.from(
            { length: BATCH },
            (_, i) => keys[((done + i) * 7) % KEY_COUNT] as string,
          );
          const openBefore = resolver.stats().circuit === "open";
          const statsBefore = resolver.stats();
          const outcomes = await timedResolves((key) => resolver.resolve(key), batch);
          for (const { key, result, elapsedMs } of outcomes) {
            expect(result, key).toEqual({ apiKey: key, active: true });
            expect(elapsedMs, key).toBeLessThan(BOUND_MS);
          }
          if (done === 0) {
            // The first batch paid the timeout and opened the circuit.
            expect(resolver.stats().circuit).toBe("open");
          } else if (done === BATCH) {
            // Right after it opened: no call of this batch waited for the hung cache.
            expect(openBefore).toBe(true);
            const statsAfter = resolver.stats();
            expect(statsAfter.circuit).toBe("open");
            expect(statsAfter.timeouts).toBe(statsBefore.timeouts);
            expect(statsAfter.bypasses - statsBefore.bypasses).toBe(BATCH);
            for (const { key, elapsedMs } of outcomes) {
              expect(elapsedMs, key).toBeLessThan(TIMEOUT_MS);
            }
          }
        }
        const during = resolver.stats();
        // Every lookup went around the cache to the loader.
        expect(during.bypasses - before.bypasses).toBe(CALLS);
        expect(during.hits).toBe(before.hits);
        expect(during.loads).toBeGreaterThan(before.loads);
        expect(during.timeouts).toBeGreaterThan(0);
      } finally {
        await options.resume();
      }

      // The breaker probes after CIRCUIT_OPEN_MS; once the cache answers it closes.
      const recoveryDeadline = performance.now() + CIRCUIT_OPEN_MS + 15_000;
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
