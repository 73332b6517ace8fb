/**
 * Vitest registration of the resolver recovery scenarios on a caller's store: the circuit
 * breaker must not open because the event loop stalled, and must let hits back quickly once the
 * store returns. Three tests: a 150 ms synchronous stall with 50 lookups in flight on a healthy
 * store leaves the circuit closed; a 3 s hang (`pause()`, SIGSTOP) under steady traffic opens it
 * and hits served by the store are back within 2 s of `resume()`; so are they after a
 * `kill()` + `restart()` on the same address. "Served by the store": the resolver's `hits`
 * count cache answers only, and a tiered backend given to this scenario must keep L1 copies
 * short (e.g. `localTtlSeconds: 0.2`) so that no hit during or after the fault comes from L1.
 */
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

/** Options of {@link describeResolverRecovery}. */
export interface ResolverRecoveryOptions<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** The resolver's backend, called once per test. A tiered one must have short L1 copies. */
  createBackend(): B | Promise<B>;
  /** Release the backend after the test. @default `backend.close()` */
  dispose?(backend: B): Promise<void>;
  /** Make the store stop answering (calls hang, connections stay open). */
  pause(): void | Promise<void>;
  /** Let the store answer again. Also called if the test fails while paused. */
  resume(): void | Promise<void>;
  /** Kill the store's process (connections drop, calls fail). */
  kill(): Promise<void>;
  /** Start it again on the same address, empty; resolves once it answers. */
  restart(): Promise<void>;
  /** Told one line per test with the figures measured (recovery times, circuit openings). */
  report?(line: string): void;
}

/** The recovery bound the breaker promises once the store answers again. */
const RECOVERY_BOUND_MS = 2_000;
const STALL_MS = 150;
const IN_FLIGHT = 50;
const PAUSE_MS = 3_000;
/** Steady traffic: this many callers, each pausing this long between lookups. */
const CALLERS = 8;
const CALLER_PAUSE_MS = 10;
/** Longer than any L1 copy a tiered backend under this scenario keeps. */
const L1_SETTLE_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Block the event loop for `ms`, as a GC pause or a synchronous burst elsewhere would. */
function stall(ms: number): number {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  return spins;
}

/** Steady lookups of valid keys until stopped; none may fail or answer wrongly. */
function steadyTraffic(resolver: ApiKeyResolver, keys: readonly string[]) {
  let running = true;
  let failure: unknown;
  const callers = Array.from({ length: CALLERS }, async (_, caller) => {
    for (let i = caller; running; i += CALLERS) {
      const key = keys[i % keys.length] as string;
      try {
        const result = await resolver.resolve(key);
        if (result?.apiKey !== key || result.active !== true) {
          throw new Error(`${key} resolved to ${JSON.stringify(result)}`);
        }
      } catch (error) {
        failure ??= error;
      }
      await sleep(CALLER_PAUSE_MS);
    }
  });
  return {
    async stop(): Promise<void> {
      running = false;
      await Promise.all(callers);
      if (failure !== undefined) throw failure;
    },
  };
}

/** Resolve once `resolver` has counted a cache hit after `hitsBefore`, or after `budgetMs`. */
async function firstHitAfter(
  resolver: ApiKeyResolver,
  hitsBefore: number,
  budgetMs: number,
): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < budgetMs) {
    if (resolver.stats().hits > hitsBefore) return performance.now();
    await sleep(5);
  }
  return undefined;
}

/**
 * Register the recovery scenarios for vitest: `describe(name)` with three tests.
 *
 * @example
 * const redis = useRedisServer({ spawn: true });
 * describeResolverRecovery("resolver over my backend: stalls and recovery", {
 *   createBackend: () => createMyBackend({ url: redis.url }),
 *   pause: () => redis.pause(),
 *   resume: () => redis.resume(),
 *   kill: () => redis.kill(),
 *   restart: () => redis.restart(),
 * });
 */
export function describeResolverRecovery<B extends ApiKeyCacheBackend>(
  name: string,
  options: ResolverRecoveryOptions<B>,
): void {
  const report = options.report ?? (() => {});
  describe(name, () => {
    let open: B | undefined;
    afterEach(async () => {
      const backend = open;
      open = undefined;
      if (backend === undefined) return;
      if (options.dispose !== undefined) await options.dispose(backend);
      else await backend.close();
    });

    async function setUp(label: string): Promise<{ resolver: ApiKeyResolver; keys: string[] }> {
      const backend = await options.createBackend();
      open = backend;
      const keys = Array.from({ length: IN_FLIGHT }, (_, i) => `ak_${label}_${i}`);
      const database = new Map(keys.map((key) => [hashApiKey(key), { apiKey: key, active: true }]));
      const resolver = createApiKeyResolver({
        backend,
        load: async (keyHash): Promise<CachedApiKey | undefined> => database.get(keyHash),
        logger: silentLogger,
      });
      // The store may still be connecting: warm until every key is a hit.
      const warmBy = performance.now() + 10_000;
      for (const key of keys) {
        for (;;) {
          const hits = resolver.stats().hits;
          expect((await resolver.resolve(key))?.active).toBe(true);
          if (resolver.stats().hits > hits || performance.now() > warmBy) break;
          await sleep(10);
        }
      }
      expect(resolver.stats().circuit).toBe("closed");
      return { resolver, keys };
    }

    it("a 150 ms event-loop stall with 50 lookups in flight on a healthy store leaves the circuit closed", async () => {
      const { resolver, keys } = await setUp("stall");
      const before = resolver.stats();
      for (let round = 0; round < 3; round++) {
        // Let any L1 copy lapse, so the lookups go to the store itself.
        await sleep(L1_SETTLE_MS);
        const inFlight = keys.map((key) => resolver.resolve(key));
        if (round === 0) {
          // The stall in the same task: the commands are not even written until it ends.
          expect(stall(STALL_MS)).toBeGreaterThan(0);
        } else {
          // The stall in the next loop turn: the commands are on the wire, replies unread.
          await new Promise<void>((resolve) =>
            setImmediate(() => {
              expect(stall(STALL_MS)).toBeGreaterThan(0);
              resolve();
            }),
          );
        }
        for (const [index, result] of (await Promise.all(inFlight)).entries()) {
          expect(result, keys[index]).toEqual({ apiKey: keys[index], active: true });
        }
      }
      const after = resolver.stats();
      report(
        `stall: 3 × ${STALL_MS} ms with ${IN_FLIGHT} lookups in flight (1 before they were sent, 2 after) → circuit openings ${after.circuitOpens - before.circuitOpens}, timeouts ${after.timeouts - before.timeouts} (late ${after.lateTimeouts - before.lateTimeouts}), bypasses ${after.bypasses - before.bypasses}, hits ${after.hits - before.hits}/${3 * IN_FLIGHT}`,
      );
      expect(after.circuit).toBe("closed");
      expect(after.circuitOpens).toBe(before.circuitOpens);
      // A timeout the stall caused is flagged late; none is blamed on the store.
      expect(after.timeouts - before.timeouts).toBe(after.lateTimeouts - before.lateTimeouts);
    });

    it("after a 3 s hang under steady traffic, hits served by the store are back within 2 s of resume()", async () => {
      const { resolver, keys } = await setUp("pause");
      const traffic = steadyTraffic(resolver, keys);
      let resumedAt: number | undefined;
      let hitsDuringHang = 0;
      let opensDuringHang = 0;
      await sleep(200);
      await options.pause();
      try {
        await sleep(L1_SETTLE_MS);
        const hitsSettled = resolver.stats().hits;
        await sleep(PAUSE_MS - L1_SETTLE_MS);
        hitsDuringHang = resolver.stats().hits - hitsSettled;
        opensDuringHang = resolver.stats().circuitOpens;
      } finally {
        await options.resume();
        resumedAt = performance.now();
      }
      const hitsAtResume = resolver.stats().hits;
      const hitAt = await firstHitAfter(resolver, hitsAtResume, RECOVERY_BOUND_MS + 3_000);
      await traffic.stop();
      const recoveredMs = hitAt === undefined ? undefined : hitAt - resumedAt;
      report(
        `pause ${PAUSE_MS} ms: circuit openings ${opensDuringHang}, hits while hung ${hitsDuringHang}, first hit ${recoveredMs === undefined ? "never" : `${Math.round(recoveredMs)} ms`} after resume`,
      );
      // The hang really cut the store off (no hit from anywhere else), and it tripped the breaker.
      expect(hitsDuringHang).toBe(0);
      expect(opensDuringHang).toBeGreaterThanOrEqual(1);
      expect(recoveredMs).toBeDefined();
      expect(recoveredMs as number).toBeLessThan(RECOVERY_BOUND_MS);
      expect(resolver.stats().circuit).toBe("closed");
    }, 30_000);

    it("after kill() and restart() on the same address under steady traffic, hits are back within 2 s of the restart", async () => {
      const { resolver, keys } = await setUp("kill");
      const traffic = steadyTraffic(resolver, keys);
      await sleep(200);
      const killedAt = performance.now();
      let restartedAt: number | undefined;
      let opensWhileDown = 0;
      try {
        await options.kill();
        // Down long enough for the breaker to see distinct failures.
        await sleep(1_000);
      } finally {
        opensWhileDown = resolver.stats().circuitOpens;
        await options.restart();
        restartedAt = performance.now();
      }
      // The restarted store is empty: a hit needs a load written back after the reconnect.
      const hitAt = await firstHitAfter(resolver, resolver.stats().hits, RECOVERY_BOUND_MS + 3_000);
      await traffic.stop();
      const recoveredMs = hitAt === undefined ? undefined : hitAt - restartedAt;
      report(
        `kill + restart (down ${Math.round(restartedAt - killedAt)} ms): circuit openings ${opensWhileDown}, first hit ${recoveredMs === undefined ? "never" : `${Math.round(recoveredMs)} ms`} after the restart`,
      );
      expect(recoveredMs).toBeDefined();
      expect(recoveredMs as number).toBeLessThan(RECOVERY_BOUND_MS);
    }, 30_000);
  });
}
