/**
 * The revocation race through tiered backends: two process-like instances (each its own L1,
 * L2 connection and bus subscription) on one shared L2. With `revoke(h, { wait: true })` and a
 * 50 ms L1, nothing started after `revoke` resolved, on either instance, may come back active,
 * even though loads that read "active" still land; and that holds even when the other
 * instance hears none of the revoker's bus messages (its L1 copies then end by
 * `localTtlSeconds`, which is what `wait: true` waits for).
 */
import type { TieredApiKeyCacheBackend } from "@apikey/core";
import { describe, expect } from "vitest";
import { describeResolverRevocationRace } from "./describe-resolver-revocation-race.js";
import type { RevocationRaceBackends } from "./resolver-revocation-race.js";

/** What {@link TieredRevocationRaceOptions.createPair} is asked for. */
export interface TieredRevocationPairRequest {
  /** L1 lifetime both instances must use (`localTtlSeconds`). */
  localTtlSeconds: number;
  /**
   * When true, the second instance must miss every bus message of the first (e.g. listen on
   * another channel), as if every publish failed.
   */
  deafPeer: boolean;
}

/** Options of {@link describeTieredRevocationRace}. */
export interface TieredRevocationRaceOptions {
  /** Two tiered instances on one shared L2, each with its own L1 and bus. */
  createPair(
    request: TieredRevocationPairRequest,
  ):
    | readonly [TieredApiKeyCacheBackend, TieredApiKeyCacheBackend]
    | Promise<readonly [TieredApiKeyCacheBackend, TieredApiKeyCacheBackend]>;
  /** Release the pair after each test. @default closes both */
  dispose?(pair: RevocationRaceBackends<TieredApiKeyCacheBackend>): Promise<void>;
}

/** The L1 lifetime of the race: short, so each `wait: true` revoke costs 50 ms. */
const LOCAL_TTL_SECONDS = 0.05;

/** Wait until L1 is in play on every instance: the race is against the local copies too. */
async function whenL1Enabled(
  pair: RevocationRaceBackends<TieredApiKeyCacheBackend>,
): Promise<void> {
  await expect.poll(() => pair.every((tiered) => tiered.l1Enabled), { timeout: 5_000 }).toBe(true);
  for (const tiered of pair) expect(tiered.maxStalenessMs).toBe(LOCAL_TTL_SECONDS * 1000);
}

/**
 * Register the tiered revocation races for vitest: `describe(name)` with two tests (bus up;
 * the other instance deaf to the bus).
 *
 * @example
 * describeTieredRevocationRace("tiered over my L2", {
 *   createPair: ({ localTtlSeconds, deafPeer }) => {
 *     const store = new InMemoryApiKeyCacheBackend();
 *     const network = createInProcessBusNetwork();
 *     const member = (bus: InvalidationBus) =>
 *       new TieredApiKeyCacheBackend({
 *         local: new InMemoryApiKeyCacheBackend(),
 *         remote: store,
 *         bus,
 *         localTtlSeconds,
 *       });
 *     const other = deafPeer ? createInProcessBusNetwork() : network;
 *     return [member(network.createBus()), member(other.createBus())];
 *   },
 * });
 */
export function describeTieredRevocationRace(
  name: string,
  options: TieredRevocationRaceOptions,
): void {
  const common = {
    revokeOptions: { wait: true },
    // Each revoke waits 50 ms; more rounds at once keep the run short.
    parallel: 25,
    // A revoke that waits 50 ms outlasts every load's stall: loads land after it was called.
    expectLateActiveLoads: false,
    beforeRace: whenL1Enabled,
    dispose: options.dispose,
  };
  describe(name, () => {
    describeResolverRevocationRace<TieredApiKeyCacheBackend>("bus up", {
      ...common,
      title:
        "1,000 rounds with revoke(h, { wait: true }): nothing started after it is active on either instance",
      createBackends: () =>
        options.createPair({ localTtlSeconds: LOCAL_TTL_SECONDS, deafPeer: false }),
      afterRace: (pair) => {
        // The bus stayed up throughout: L1 was really in use.
        expect(pair.every((tiered) => tiered.l1Enabled)).toBe(true);
      },
    });
    describeResolverRevocationRace<TieredApiKeyCacheBackend>("peer deaf to the bus", {
      ...common,
      title:
        "1,000 rounds with revoke(h, { wait: true }) while the other instance misses every bus message: still nothing active",
      createBackends: () =>
        options.createPair({ localTtlSeconds: LOCAL_TTL_SECONDS, deafPeer: true }),
    });
  });
}
