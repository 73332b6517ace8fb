/**
 * The revocation race, as a reusable test body: loads that read "active" and then stall, a
 * revoke landing while they are in flight, and resolves started after the revoke resolved,
 * which must never see the key active. Backend-agnostic, so the Redis packages can run the
 * same body against real servers.
 */
import { randomUUID } from "node:crypto";
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  silentLogger,
} from "@apikey/core";

/** What {@link runRevocationRace} needs. */
export interface RevocationRaceOptions {
  /** The backend of the resolver that revokes. */
  backend: ApiKeyCacheBackend;
  /**
   * The backend of a second resolver that shares the store (another process, in effect);
   * omit to race within one resolver.
   */
  peerBackend?: ApiKeyCacheBackend;
  /** Rounds, each with its own key. @default 1000 */
  rounds?: number;
  /** Rounds run at the same time. @default 10 */
  parallel?: number;
  /** Longest stall of a load after it read the database, in ms. @default 4 */
  maxLoadDelayMs?: number;
}

/** What the race saw. */
export interface RevocationRaceReport {
  rounds: number;
  /** Resolves started after `revoke` resolved that returned an active record (must be 0). */
  violations: number;
  /** Resolves that overlapped the revoke and returned active (allowed; shows the race happened). */
  overlappingActive: number;
  /** Loads that read "active" and finished after the revoke resolved (shows the race is real). */
  lateActiveLoads: number;
  loads: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const randomDelay = (maxMs: number): Promise<void> => sleep(Math.floor(Math.random() * maxMs));

/** Run the race; the caller asserts `violations === 0` and that the race happened. */
export async function runRevocationRace(
  options: RevocationRaceOptions,
): Promise<RevocationRaceReport> {
  const rounds = options.rounds ?? 1000;
  const parallel = options.parallel ?? 10;
  const maxLoadDelayMs = options.maxLoadDelayMs ?? 4;
  const revoked = new Set<string>();
  const revokedAt = new Map<string, number>();
  const report: RevocationRaceReport = {
    rounds,
    violations: 0,
    overlappingActive: 0,
    lateActiveLoads: 0,
    loads: 0,
  };

  // The database: a key reads active until it is revoked; the load then stalls, so its answer
  // may arrive long after the revoke.
  const load = async (keyHash: string): Promise<CachedApiKey> => {
    report.loads++;
    const active = !revoked.has(keyHash);
    await randomDelay(maxLoadDelayMs + 1);
    const at = revokedAt.get(keyHash);
    if (active && at !== undefined && performance.now() > at) report.lateActiveLoads++;
    return { apiKey: keyHash.slice(0, 8), active };
  };
  const make = (backend: ApiKeyCacheBackend): ApiKeyResolver =>
    createApiKeyResolver({
      backend,
      load,
      logger: silentLogger,
      // Generous deadlines: the race is about ordering, not about a slow machine.
      timeoutMs: 2_000,
      loadTimeoutMs: 5_000,
    });
  const revoker = make(options.backend);
  const resolvers = [revoker];
  if (options.peerBackend !== undefined) resolvers.push(make(options.peerBackend));

  const round = async (): Promise<void> => {
    const plaintext = `race-${randomUUID()}`;
    const keyHash = hashApiKey(plaintext);
    // Resolves that miss and start loads (on every resolver), then the revoke mid-load.
    const early = resolvers.flatMap((resolver) => [
      resolver.resolve(plaintext),
      resolver.resolve(plaintext),
    ]);
    await randomDelay(maxLoadDelayMs);
    revoked.add(keyHash);
    await revoker.revoke(keyHash);
    revokedAt.set(keyHash, performance.now());
    // Started after revoke resolved: none may be active, while the loads are still landing...
    const after = resolvers.flatMap((resolver) => [
      resolver.resolve(plaintext),
      resolver.resolve(plaintext),
    ]);
    for (const result of await Promise.all(after)) {
      if (result?.active === true) report.violations++;
    }
    for (const result of await Promise.all(early)) {
      if (result?.active === true) report.overlappingActive++;
    }
    // ...and after every early load has written (or not) its answer.
    for (const resolver of resolvers) {
      if ((await resolver.resolve(plaintext))?.active === true) report.violations++;
    }
  };

  for (let done = 0; done < rounds; done += parallel) {
    const batch = Math.min(parallel, rounds - done);
    await Promise.all(Array.from({ length: batch }, round));
  }
  return report;
}
