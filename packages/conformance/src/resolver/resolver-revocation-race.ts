/**
 * The revocation race as a reusable body: one or two resolvers (two "processes", each on its
 * own backend and connections, sharing one store) load a key that reads "active" and then
 * stall; the source of truth flips to revoked and a resolver calls `revoke` while the loads
 * are in flight. Every resolve started after `revoke` resolved, on any resolver, must be
 * non-active. With two resolvers the revoker alternates, so half the rounds revoke from a
 * resolver whose own load is in flight and half from the other one.
 */
import { randomUUID } from "node:crypto";
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  type RevokeOptions,
  silentLogger,
} from "@apikey/core";

/**
 * The backends of the racing resolvers: one (a single resolver races with itself) or two
 * sharing one store, each its own connection (the same object twice is allowed: two resolvers
 * in one process).
 */
export type RevocationRaceBackends<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> =
  | readonly [B]
  | readonly [B, B];

/** What {@link runResolverRevocationRace} needs. */
export interface ResolverRevocationRaceOptions {
  /** The backends of the resolvers, see {@link RevocationRaceBackends}. */
  backends: RevocationRaceBackends;
  /** Rounds, each with a fresh key. @default 1000 */
  rounds?: number;
  /** Rounds run at the same time. @default 10 */
  parallel?: number;
  /** Longest stall of a load after it read the source of truth, in ms. @default 5 */
  maxLoadDelayMs?: number;
  /** Passed to every `revoke` (tiered: `{ wait: true }`). */
  revokeOptions?: RevokeOptions;
  /** Resolves started on each resolver right after `revoke` resolved. @default 3 */
  resolvesAfter?: number;
  /**
   * Race `revoke` against refresh-ahead instead of a miss: each round first caches the key,
   * then hits it inside the refresh window, so the load in flight at revoke time is a
   * background refresh (`refreshAheadSeconds`). Needs a backend with `replaceIfUnchanged`.
   * @default false
   */
  refreshAhead?: boolean;
}

/** What the race saw. */
export interface ResolverRevocationRaceReport {
  rounds: number;
  /** Resolves started after `revoke` resolved that returned an active record (must be 0). */
  violations: number;
  /** The first few violations, for the failure message. */
  violationSamples: string[];
  /** Resolves checked after `revoke` resolved: `rounds × resolvers × (resolvesAfter + 1)`, plus 3 per resolver and round with `refreshAhead`. */
  checkedAfterRevoke: number;
  /** Rounds revoked by each resolver (index = resolver). */
  revokedBy: number[];
  /** Loads that read "active" and returned after `revoke` was called (the race is real). */
  overlappingActiveLoads: number;
  /** Of those, loads that returned only after `revoke` had resolved. */
  lateActiveLoads: number;
  /** Resolves that overlapped `revoke` and returned active (allowed either way). */
  overlappingActiveResolves: number;
  loads: number;
  elapsedMs: number;
}

/** Defaults of {@link ResolverRevocationRaceOptions}. */
export const REVOCATION_RACE_DEFAULTS: {
  readonly rounds: 1000;
  readonly parallel: 10;
  readonly maxLoadDelayMs: 5;
  readonly resolvesAfter: 3;
} = { rounds: 1000, parallel: 10, maxLoadDelayMs: 5, resolvesAfter: 3 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run the race; the caller asserts `violations === 0` and that the race happened
 * (`describeResolverRevocationRace` does both).
 */
export async function runResolverRevocationRace(
  options: ResolverRevocationRaceOptions,
): Promise<ResolverRevocationRaceReport> {
  const rounds = options.rounds ?? REVOCATION_RACE_DEFAULTS.rounds;
  const parallel = options.parallel ?? REVOCATION_RACE_DEFAULTS.parallel;
  const maxLoadDelayMs = options.maxLoadDelayMs ?? REVOCATION_RACE_DEFAULTS.maxLoadDelayMs;
  const resolvesAfter = options.resolvesAfter ?? REVOCATION_RACE_DEFAULTS.resolvesAfter;
  const started = performance.now();
  // The source of truth: a key is active until it is in `revoked`.
  const revoked = new Set<string>();
  const revokeCalledAt = new Map<string, number>();
  const revokeResolvedAt = new Map<string, number>();
  const loadStarted = new Map<string, () => void>();
  const loadsInFlight = new Map<string, number>();
  const refreshAhead = options.refreshAhead === true;
  const report: ResolverRevocationRaceReport = {
    rounds,
    violations: 0,
    violationSamples: [],
    checkedAfterRevoke: 0,
    revokedBy: options.backends.map(() => 0),
    overlappingActiveLoads: 0,
    lateActiveLoads: 0,
    overlappingActiveResolves: 0,
    loads: 0,
    elapsedMs: 0,
  };

  const load = async (keyHash: string): Promise<CachedApiKey> => {
    report.loads++;
    const active = !revoked.has(keyHash);
    loadStarted.get(keyHash)?.();
    loadsInFlight.set(keyHash, (loadsInFlight.get(keyHash) ?? 0) + 1);
    // Read, then stall: the answer may land after the revoke.
    await sleep(Math.random() * (maxLoadDelayMs + 1));
    loadsInFlight.set(keyHash, (loadsInFlight.get(keyHash) ?? 1) - 1);
    if (active) {
      const now = performance.now();
      const calledAt = revokeCalledAt.get(keyHash);
      const resolvedAt = revokeResolvedAt.get(keyHash);
      if (calledAt !== undefined && now > calledAt) report.overlappingActiveLoads++;
      if (resolvedAt !== undefined && now > resolvedAt) report.lateActiveLoads++;
    }
    return { apiKey: keyHash.slice(0, 12), active };
  };
  const resolvers = options.backends.map((backend) => resolverOn(backend, load, refreshAhead));

  const check = (
    resolverIndex: number,
    revokerIndex: number,
    result: CachedApiKey | undefined,
    when: string,
    startedAt: number,
  ): void => {
    report.checkedAfterRevoke++;
    if (result?.active !== true) return;
    report.violations++;
    if (report.violationSamples.length < 5) {
      // Enough to tell a stale copy from a bypassed cache (errors, timeouts) in a failure.
      const { bypasses, timeouts, backendErrors } = (
        resolvers[resolverIndex] as ApiKeyResolver
      ).stats();
      report.violationSamples.push(
        `resolver ${resolverIndex} returned active ${when} (revoked by resolver ${revokerIndex}; ` +
          `the resolve took ${Math.round(performance.now() - startedAt)} ms; resolver stats: ` +
          `bypasses ${bypasses}, timeouts ${timeouts}, backend errors ${backendErrors})`,
      );
    }
  };

  const round = async (index: number): Promise<void> => {
    const plaintext = `ak_race_${randomUUID()}`;
    const keyHash = hashApiKey(plaintext);
    if (refreshAhead) {
      // Cached first, so the resolves below are hits that start background refreshes.
      for (const resolver of resolvers) await resolver.resolve(plaintext);
      // Long enough that the entry has less than refreshAheadSeconds (0.999 s of a 1 s TTL)
      // left by the whole-millisecond clock: a timer may fire up to 1 ms early, and after a
      // 2 ms sleep one round in eight still had 999 ms left, started no refresh, and waited the
      // full second below for a load that never came.
      await sleep(5);
    }
    const firstLoad = new Promise<void>((resolve) => loadStarted.set(keyHash, resolve));
    // Every resolver misses and starts a load (two resolves each share it); with
    // refreshAhead, every resolver hits and starts one refresh.
    const early = resolvers.flatMap((resolver) => [
      resolver.resolve(plaintext),
      resolver.resolve(plaintext),
    ]);
    // Revoke while a load is in flight: after the first load read "active", a random bit later.
    await Promise.race([firstLoad, sleep(1_000)]);
    await sleep(Math.random() * maxLoadDelayMs);
    const revokerIndex = index % resolvers.length;
    const revoker = resolvers[revokerIndex] as ApiKeyResolver;
    report.revokedBy[revokerIndex] = (report.revokedBy[revokerIndex] ?? 0) + 1;
    // The precondition: the source of truth shows the key revoked before revoke() is called.
    revoked.add(keyHash);
    revokeCalledAt.set(keyHash, performance.now());
    await revoker.revoke(keyHash, options.revokeOptions);
    revokeResolvedAt.set(keyHash, performance.now());
    // Started after revoke() resolved, on every resolver, while the early loads still land.
    const after = resolvers.flatMap((resolver, resolverIndex) =>
      Array.from({ length: resolvesAfter }, async () => {
        const startedAt = performance.now();
        return { resolverIndex, startedAt, result: await resolver.resolve(plaintext) };
      }),
    );
    for (const { resolverIndex, startedAt, result } of await Promise.all(after)) {
      check(resolverIndex, revokerIndex, result, "right after revoke", startedAt);
    }
    for (const result of await Promise.all(early)) {
      if (result?.active === true) report.overlappingActiveResolves++;
    }
    if (refreshAhead) {
      // Refreshes run in the background: wait for their loads, then look a few times while
      // their writes land.
      for (let waited = 0; (loadsInFlight.get(keyHash) ?? 0) > 0 && waited < 2_000; waited += 2) {
        await sleep(2);
      }
      for (let look = 0; look < 3; look++) {
        await sleep(5);
        for (const [resolverIndex, resolver] of resolvers.entries()) {
          const startedAt = performance.now();
          const result = await resolver.resolve(plaintext);
          check(resolverIndex, revokerIndex, result, "while refreshes land", startedAt);
        }
      }
    }
    // And once every early load has written (or not) its answer.
    for (const [resolverIndex, resolver] of resolvers.entries()) {
      const startedAt = performance.now();
      const result = await resolver.resolve(plaintext);
      check(resolverIndex, revokerIndex, result, "after the loads", startedAt);
    }
    loadStarted.delete(keyHash);
    loadsInFlight.delete(keyHash);
  };

  for (let done = 0; done < rounds; done += parallel) {
    const batch = Math.min(parallel, rounds - done);
    await Promise.all(Array.from({ length: batch }, (_, offset) => round(done + offset)));
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

function resolverOn(
  backend: ApiKeyCacheBackend,
  load: (keyHash: string) => Promise<CachedApiKey>,
  refreshAhead: boolean,
): ApiKeyResolver {
  return createApiKeyResolver({
    backend,
    load,
    logger: silentLogger,
    // Every hit after the first millisecond is inside the refresh window, and no round's
    // refresh is skipped for want of a slot.
    ...(refreshAhead
      ? { ttlSeconds: 1, refreshAheadSeconds: 0.999, refreshAheadConcurrency: 1_000 }
      : {}),
    // Generous deadlines: the race is about ordering, not about a slow machine. (A bypassed
    // read would be safe too: the loader already says revoked.)
    timeoutMs: 2_000,
    loadTimeoutMs: 5_000,
    writeTimeoutMs: 5_000,
  });
}
