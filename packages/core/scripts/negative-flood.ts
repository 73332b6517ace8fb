/**
 * The flood of unknown keys: random keys, each resolved once (so each caches a not-found
 * marker), interleaved with lookups of a fixed set of valid keys, through the resolver on the
 * memory backend or on a tiered backend (memory L1 over a memory L2). Reports the hit rate of
 * the valid keys; on tiered, also the share of valid lookups L1 answered. Used by a scaled test
 * and, with 1,000,000 flood keys, by `pnpm --filter @apikey/core flood`.
 */

import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";

/** Options of {@link runNegativeFlood}. */
export interface NegativeFloodOptions {
  /** `memory`: the resolver on one memory backend; `tiered`: memory L1 over memory L2. */
  backend: "memory" | "tiered";
  /** Distinct unknown keys resolved. */
  floodKeys: number;
  /** Distinct valid keys, looked up round-robin. @default 1000 */
  validKeys?: number;
  /** Unknown keys resolved between two valid lookups. @default 10 */
  floodPerValid?: number;
  /** `maxEntries` of the memory backend (and of L1 and L2). @default 10000 */
  maxEntries?: number;
}

/** What {@link runNegativeFlood} measured. */
export interface NegativeFloodReport {
  backend: "memory" | "tiered";
  floodKeys: number;
  validLookups: number;
  /** Valid lookups answered from the cache (no load). */
  validHits: number;
  validHitRate: number;
  /** Tiered only: valid lookups answered by L1 (no L2 read). */
  l1HitRate: number | undefined;
  /** Not-found markers held at the end (memory: the backend; tiered: L1). */
  negativeEntries: number;
  elapsedMs: number;
}

/** Run the flood and measure; every valid key is cached before the flood starts. */
export async function runNegativeFlood(
  options: NegativeFloodOptions,
): Promise<NegativeFloodReport> {
  const validCount = options.validKeys ?? 1_000;
  const floodPerValid = options.floodPerValid ?? 10;
  const maxEntries = options.maxEntries ?? 10_000;
  const valid = Array.from({ length: validCount }, (_, i) => `sk-valid-${i}`);
  const database = new Map(valid.map((key) => [hashApiKey(key), { apiKey: key, active: true }]));
  const validHashes = new Set(database.keys());
  let validLoads = 0;
  const load = async (keyHash: string): Promise<CachedApiKey | undefined> => {
    if (validHashes.has(keyHash)) validLoads++;
    return database.get(keyHash);
  };

  const local = new InMemoryApiKeyCacheBackend({ maxEntries });
  let l2ValidReads = 0;
  let backend: ApiKeyCacheBackend;
  let network: ReturnType<typeof createInProcessBusNetwork> | undefined;
  if (options.backend === "memory") {
    backend = local;
  } else {
    const l2 = new InMemoryApiKeyCacheBackend({ maxEntries });
    const remote: ApiKeyCacheBackend = {
      get: (key) => {
        if (validHashes.has(key)) l2ValidReads++;
        return l2.get(key);
      },
      getWithTtl: (key) => {
        if (validHashes.has(key)) l2ValidReads++;
        return l2.getWithTtl(key);
      },
      set: (key, value, ttl) => l2.set(key, value, ttl),
      setIfAbsent: (key, value, ttl) => l2.setIfAbsent(key, value, ttl),
      setIfAbsentGet: (key, value, ttl) => l2.setIfAbsentGet(key, value, ttl),
      delete: (key) => l2.delete(key),
      clear: () => l2.clear(),
      close: () => l2.close(),
    };
    network = createInProcessBusNetwork();
    const tiered = new TieredApiKeyCacheBackend({
      local,
      remote,
      bus: network.createBus(),
      // Longer than the run: what is measured is eviction, not expiry of L1 copies.
      localTtlSeconds: 3_600,
      logger: silentLogger,
    });
    const subscribedBy = performance.now() + 5_000;
    while (!tiered.l1Enabled && performance.now() < subscribedBy) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (!tiered.l1Enabled) throw new Error("the tiered backend's L1 never came on");
    backend = tiered;
  }

  const resolver = createApiKeyResolver({
    backend,
    load,
    ttlSeconds: 3_600,
    negativeTtlSeconds: 3_600,
    logger: silentLogger,
  });
  try {
    for (const key of valid) await resolver.resolve(key);
    validLoads = 0;
    l2ValidReads = 0;
    const started = performance.now();
    let validLookups = 0;
    for (let flood = 0; flood < options.floodKeys; flood++) {
      const result = await resolver.resolve(`sk-flood-${flood}-${Math.random()}`);
      if (result !== undefined) throw new Error("an unknown key resolved to a record");
      if (flood % floodPerValid === floodPerValid - 1) {
        const key = valid[validLookups % validCount] as string;
        const record = await resolver.resolve(key);
        if (record?.active !== true) throw new Error(`valid key ${key} did not resolve active`);
        validLookups++;
      }
    }
    const elapsedMs = performance.now() - started;
    return {
      backend: options.backend,
      floodKeys: options.floodKeys,
      validLookups,
      validHits: validLookups - validLoads,
      validHitRate: (validLookups - validLoads) / validLookups,
      l1HitRate: options.backend === "tiered" ? 1 - l2ValidReads / validLookups : undefined,
      negativeEntries: local.negativeSize,
      elapsedMs,
    };
  } finally {
    await backend.close();
    await network?.close();
  }
}

function formatReport(report: NegativeFloodReport): string {
  const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
  return [
    `${report.backend}: ${report.floodKeys.toLocaleString("en-US")} unknown keys, ${report.validLookups.toLocaleString("en-US")} valid lookups`,
    `valid hit rate ${percent(report.validHitRate)}`,
    report.l1HitRate === undefined ? undefined : `L1 ${percent(report.l1HitRate)}`,
    `not-found markers held ${report.negativeEntries}`,
    `${(report.elapsedMs / 1000).toFixed(1)} s`,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
}

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isMain) {
  const floodKeys = Number(process.env.FLOOD_KEYS ?? 1_000_000);
  for (const backend of ["memory", "tiered"] as const) {
    const report = await runNegativeFlood({ backend, floodKeys });
    console.log(formatReport(report));
  }
}
