/**
 * Vitest registration of the resolver revocation race ({@link runResolverRevocationRace}) on a
 * caller's backends: one `it` that runs the race and asserts that nothing started after
 * `revoke` resolved came back active, and that the race really happened (loads that read
 * "active" landed after the revoke was called), so a run that never overlapped cannot pass.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  REVOCATION_RACE_DEFAULTS,
  type ResolverRevocationRaceOptions,
  type ResolverRevocationRaceReport,
  type RevocationRaceBackends,
  runResolverRevocationRace,
} from "./resolver-revocation-race.js";

/** Options of {@link describeResolverRevocationRace}. */
export interface ResolverRevocationRaceSuiteOptions<
  B extends ApiKeyCacheBackend = ApiKeyCacheBackend,
> extends Omit<ResolverRevocationRaceOptions, "backends"> {
  /**
   * The backends of the racing resolvers, called once when the test starts: one, or two on
   * one shared store, each with its own connection (two processes, in effect).
   */
  createBackends(): RevocationRaceBackends<B> | Promise<RevocationRaceBackends<B>>;
  /** Release the backends after the test. @default closes each distinct backend */
  dispose?(backends: RevocationRaceBackends<B>): Promise<void>;
  /** Runs before the race, once the backends exist (e.g. wait until a bus is subscribed). */
  beforeRace?(backends: RevocationRaceBackends<B>): Promise<void> | void;
  /** Further checks after the race passed its own. */
  afterRace?(
    backends: RevocationRaceBackends<B>,
    report: ResolverRevocationRaceReport,
  ): Promise<void> | void;
  /** The race must finish within this. @default 30000 */
  maxElapsedMs?: number;
  /**
   * Also require loads that read "active" to land after `revoke` *resolved*. Turn off when
   * `revoke` itself waits longer than any load stalls (`{ wait: true }` on a tiered backend);
   * loads landing after `revoke` was *called* are always required.
   * @default true
   */
  expectLateActiveLoads?: boolean;
  /** The test's title. @default "<rounds> rounds, revoke from the loading resolver or the other: nothing started after revoke() is active" */
  title?: string;
}

/**
 * Register the revocation race for vitest: `describe(name)` with one test.
 *
 * @example
 * describeResolverRevocationRace("memory", {
 *   createBackends: () => {
 *     const shared = new InMemoryApiKeyCacheBackend();
 *     return [shared, shared];
 *   },
 * });
 */
export function describeResolverRevocationRace<B extends ApiKeyCacheBackend>(
  name: string,
  options: ResolverRevocationRaceSuiteOptions<B>,
): void {
  const rounds = options.rounds ?? REVOCATION_RACE_DEFAULTS.rounds;
  const resolvesAfter = options.resolvesAfter ?? REVOCATION_RACE_DEFAULTS.resolvesAfter;
  const maxElapsedMs = options.maxElapsedMs ?? 30_000;
  const refreshAhead = options.refreshAhead === true;
  const title =
    options.title ??
    (refreshAhead
      ? `${rounds.toLocaleString("en-US")} rounds, revoke during a refresh-ahead load: no refresh brings the key back, nothing started after revoke() is active`
      : `${rounds.toLocaleString("en-US")} rounds, revoke from the loading resolver or the other: nothing started after revoke() is active`);
  describe(name, () => {
    let open: RevocationRaceBackends<B> | undefined;
    afterEach(async () => {
      const backends = open;
      open = undefined;
      if (backends === undefined) return;
      if (options.dispose !== undefined) await options.dispose(backends);
      else await Promise.all([...new Set(backends)].map((backend) => backend.close()));
    });
    it(
      title,
      async () => {
        const backends = await options.createBackends();
        open = backends;
        await options.beforeRace?.(backends);
        const report = await runResolverRevocationRace({
          backends,
          rounds,
          resolvesAfter,
          parallel: options.parallel,
          maxLoadDelayMs: options.maxLoadDelayMs,
          revokeOptions: options.revokeOptions,
          refreshAhead,
        });
        expect(report.violationSamples).toEqual([]);
        expect(report.violations).toBe(0);
        const looksPerResolver = resolvesAfter + 1 + (refreshAhead ? 3 : 0);
        expect(report.checkedAfterRevoke).toBe(rounds * backends.length * looksPerResolver);
        // The revoker alternates: every resolver revoked its share of the rounds.
        expect(report.revokedBy).toEqual(
          backends.map((_, index) => Math.ceil((rounds - index) / backends.length)),
        );
        // The race really happened: loads that had read "active" returned after revoke() was called.
        expect(report.overlappingActiveLoads).toBeGreaterThan(0);
        if (options.expectLateActiveLoads ?? true)
          expect(report.lateActiveLoads).toBeGreaterThan(0);
        expect(report.elapsedMs).toBeLessThan(maxElapsedMs);
        await options.afterRace?.(backends, report);
      },
      // Past the elapsed bound, so a slow race fails on that assertion, with the report.
      maxElapsedMs + 30_000,
    );
  });
}
