/**
 * One application process of the cluster failover checks: a resolver over a tiered backend
 * whose L2 and bus a driver builds from the cluster's seed URL (as a service configures it),
 * plus steady resolve traffic that records every valid request that failed. The database is
 * shared by every process: a key is revoked there before `revoke` is called.
 */
import {
  type ApiKeyResolver,
  type CachedApiKey,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  invalidationChannel,
  type RedisDriver,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";

/** The source of truth all processes share: plaintext key → record, by key hash. */
export class FailoverDatabase {
  readonly #records = new Map<string, CachedApiKey>();

  add(plaintext: string): string {
    const hash = hashApiKey(plaintext);
    this.#records.set(hash, { apiKey: plaintext, active: true });
    return hash;
  }

  revoke(hash: string): void {
    const record = this.#records.get(hash);
    if (record !== undefined) this.#records.set(hash, { ...record, active: false });
  }

  async load(hash: string): Promise<CachedApiKey | undefined> {
    const record = this.#records.get(hash);
    return record === undefined ? undefined : { ...record };
  }
}

/** Options of {@link startFailoverProcess}. */
export interface FailoverProcessOptions {
  driver: RedisDriver;
  seedUrl: string;
  keyPrefix: string;
  database: FailoverDatabase;
  commandTimeoutMs: number;
  localTtlSeconds: number;
}

/** A process: its tiered backend, L1, resolver, and a traffic loop it can run. */
export interface FailoverProcess {
  readonly tiered: TieredApiKeyCacheBackend;
  readonly local: InMemoryApiKeyCacheBackend;
  readonly resolver: ApiKeyResolver;
  close(): Promise<void>;
}

export function startFailoverProcess(options: FailoverProcessOptions): FailoverProcess {
  const { driver, seedUrl: url, keyPrefix, commandTimeoutMs } = options;
  const local = new InMemoryApiKeyCacheBackend();
  const tiered = new TieredApiKeyCacheBackend({
    local,
    remote: driver.createBackend({
      url,
      keyPrefix,
      cluster: true,
      commandTimeoutMs,
      logger: silentLogger,
    }),
    bus: driver.createInvalidationBus({
      url,
      channel: invalidationChannel(keyPrefix),
      cluster: true,
      commandTimeoutMs,
      logger: silentLogger,
    }),
    localTtlSeconds: options.localTtlSeconds,
    logger: silentLogger,
  });
  const resolver = createApiKeyResolver({
    backend: tiered,
    load: (hash) => options.database.load(hash),
    timeoutMs: commandTimeoutMs,
    writeTimeoutMs: commandTimeoutMs * 2,
    logger: silentLogger,
  });
  return { tiered, local, resolver, close: () => tiered.close() };
}

/** What a traffic loop saw. */
export interface TrafficReport {
  requests: number;
  /** Valid keys that rejected or did not resolve active: must stay 0 (the loader answers). */
  failed: number;
  firstFailure: unknown;
}

/**
 * Resolve `keys` (all valid) round-robin with `concurrency` callers until `stop()`; bounded by
 * `maxMs` in any case.
 */
export function runTraffic(
  process: FailoverProcess,
  keys: readonly string[],
  concurrency: number,
  maxMs: number,
): { stop(): Promise<TrafficReport> } {
  const report: TrafficReport = { requests: 0, failed: 0, firstFailure: undefined };
  const endAt = performance.now() + maxMs;
  let stopped = false;
  let next = 0;
  const caller = async (): Promise<void> => {
    while (!stopped && performance.now() < endAt) {
      const key = keys[next++ % keys.length] as string;
      report.requests++;
      try {
        const result = await process.resolver.resolve(key);
        if (result?.active !== true) {
          report.failed++;
          report.firstFailure ??= `resolved ${JSON.stringify(result)}`;
        }
      } catch (error) {
        report.failed++;
        report.firstFailure ??= error;
      }
      // Steady, not flat out: the machine is shared.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const callers = Array.from({ length: concurrency }, caller);
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(callers);
      return report;
    },
  };
}
