/**
 * The shared conformance suite against the tiered backend: each backend is a tiered instance
 * on its own memory "L2" and bus network; a peer is a second tiered instance on the same L2
 * and network, so cross-instance checks go through real bus invalidation.
 */

import { describeBackendConformance } from "@apikey/conformance";
import { InMemoryApiKeyCacheBackend, silentLogger, TieredApiKeyCacheBackend } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { sharedRemote } from "./support/shared-remote.js";

interface Shared {
  store: InMemoryApiKeyCacheBackend;
  network: ReturnType<typeof createInProcessBusNetwork>;
  members: number;
}

const sharedOf = new WeakMap<TieredApiKeyCacheBackend, Shared>();

function member(shared: Shared, now?: () => number): TieredApiKeyCacheBackend {
  shared.members++;
  const tiered = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(now === undefined ? {} : { now }),
    remote: sharedRemote(shared.store),
    bus: shared.network.createBus(),
    localTtlSeconds: 5,
    logger: silentLogger,
    ...(now === undefined ? {} : { now }),
  });
  sharedOf.set(tiered, shared);
  return tiered;
}

describeBackendConformance<TieredApiKeyCacheBackend>("TieredApiKeyCacheBackend", {
  createBackend: () =>
    member({
      store: new InMemoryApiKeyCacheBackend({ maxEntries: 100_000 }),
      network: createInProcessBusNetwork(),
      members: 0,
    }),
  createPeer: (backend) => {
    const shared = sharedOf.get(backend);
    if (shared === undefined) throw new Error("not a backend made by createBackend");
    return member(shared);
  },
  async dispose(backend) {
    await backend.close();
    const shared = sharedOf.get(backend);
    if (shared === undefined) return;
    // The shared L2 and network belong to the group: released with its last member.
    shared.members--;
    if (shared.members === 0) {
      await shared.network.close();
      await shared.store.close();
    }
  },
  // Started without waiting for L1 to come on: a model run may span the moment the bus
  // subscription is confirmed, and L1 copies read from L2 still expire with the L2 entry.
  createWithFakeClock: () => {
    let now = 0;
    const clock = (): number => now;
    const tiered = member(
      {
        store: new InMemoryApiKeyCacheBackend({ maxEntries: 100_000, now: clock }),
        network: createInProcessBusNetwork(),
        members: 0,
      },
      clock,
    );
    return {
      backend: tiered,
      advance: (ms: number) => {
        now += ms;
      },
    };
  },
  capabilities: { sharedBetweenInstances: true, peerConvergenceMs: 100 },
});
