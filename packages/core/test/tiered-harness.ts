/**
 * Test wiring for the tiered backend: real memory stores and the in-process bus network, plus
 * an L2 wrapper that counts calls and can hold a read's reply (to race it with writes).
 */

import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  type CachedApiKeyWithTtl,
  InMemoryApiKeyCacheBackend,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import {
  createInProcessBusNetwork,
  type InProcessBusNetwork,
  type InProcessInvalidationBus,
} from "@apikey/core/testing";

/** An L2 that records calls and can delay `get` replies (the value is read when called). */
export interface ObservedRemote extends ApiKeyCacheBackend {
  getWithTtl(key: string): Promise<CachedApiKeyWithTtl | undefined>;
  /** Calls made; `get` counts `getWithTtl` too (both are one L2 read). */
  readonly calls: Record<"get" | "set" | "setIfAbsent" | "delete" | "clear", number>;
  /** While set, `get` and `getWithTtl` read L2 at once but hold their reply until `releaseReads()`. */
  holdReads: boolean;
  releaseReads(): void;
  /** While set, `get` and `getWithTtl` reject with it (after any hold). */
  readError: Error | undefined;
  /** Number of `get` replies being held. */
  readonly heldReads: number;
}

/**
 * Wrap `store` (shared by several instances); `close()` of the wrapper leaves the shared store
 * open, since its owner is the test.
 */
export function observeRemote(store: InMemoryApiKeyCacheBackend): ObservedRemote {
  const held: Array<() => void> = [];
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new Error("observed remote closed");
  };
  const remote: ObservedRemote = {
    calls: { get: 0, set: 0, setIfAbsent: 0, delete: 0, clear: 0 },
    holdReads: false,
    readError: undefined,
    get heldReads(): number {
      return held.length;
    },
    releaseReads(): void {
      for (const release of held.splice(0)) release();
    },
    async get(key: string): Promise<CachedApiKey | undefined> {
      assertOpen();
      remote.calls.get++;
      const error = remote.readError;
      const value = await store.get(key);
      if (remote.holdReads) await new Promise<void>((resolve) => held.push(resolve));
      if (error !== undefined) throw error;
      return value;
    },
    async getWithTtl(key: string): Promise<CachedApiKeyWithTtl | undefined> {
      assertOpen();
      remote.calls.get++;
      const error = remote.readError;
      const entry = await store.getWithTtl(key);
      if (remote.holdReads) await new Promise<void>((resolve) => held.push(resolve));
      if (error !== undefined) throw error;
      return entry;
    },
    async set(key, value, ttl) {
      assertOpen();
      remote.calls.set++;
      await store.set(key, value, ttl);
    },
    async setIfAbsent(key, value, ttl) {
      assertOpen();
      remote.calls.setIfAbsent++;
      return store.setIfAbsent(key, value, ttl);
    },
    async setIfAbsentGet(key, value, ttl) {
      assertOpen();
      remote.calls.setIfAbsent++;
      return store.setIfAbsentGet(key, value, ttl);
    },
    async replaceIfUnchanged(key, expected, value, ttl) {
      assertOpen();
      remote.calls.set++;
      return store.replaceIfUnchanged(key, expected, value, ttl);
    },
    async delete(key) {
      assertOpen();
      remote.calls.delete++;
      await store.delete(key);
    },
    async clear() {
      assertOpen();
      remote.calls.clear++;
      await store.clear();
    },
    async close() {
      closed = true;
    },
  };
  return remote;
}

/** One tiered instance ("a process") on a shared store and bus network. */
export interface TieredInstance {
  tiered: TieredApiKeyCacheBackend;
  remote: ObservedRemote;
  bus: InProcessInvalidationBus;
  local: InMemoryApiKeyCacheBackend;
}

/** A shared L2 store plus a bus network, from which tiered "processes" are made. */
export interface TieredCluster {
  store: InMemoryApiKeyCacheBackend;
  network: InProcessBusNetwork;
  instance(localTtlSeconds?: number): TieredInstance;
  close(): Promise<void>;
}

export function createTieredCluster(): TieredCluster {
  const store = new InMemoryApiKeyCacheBackend({ maxEntries: 100_000 });
  const network = createInProcessBusNetwork();
  const instances: TieredInstance[] = [];
  return {
    store,
    network,
    instance(localTtlSeconds = 5): TieredInstance {
      const remote = observeRemote(store);
      const bus = network.createBus();
      const local = new InMemoryApiKeyCacheBackend();
      const tiered = new TieredApiKeyCacheBackend({
        local,
        remote,
        bus,
        localTtlSeconds,
        logger: silentLogger,
      });
      const made = { tiered, remote, bus, local };
      instances.push(made);
      return made;
    },
    async close(): Promise<void> {
      await Promise.allSettled(instances.map((made) => made.tiered.close()));
      await network.close();
      await store.close();
    },
  };
}

/** Wait (at most `capMs`) until `condition` holds; returns whether it did. */
export async function waitFor(condition: () => boolean, capMs = 2_000): Promise<boolean> {
  const deadline = performance.now() + capMs;
  while (!condition()) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}
