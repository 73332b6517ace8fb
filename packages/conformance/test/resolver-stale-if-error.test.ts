/**
 * The stale-if-error checks on the memory backend (two resolvers sharing one store) and on two
 * tiered "processes" over one memory L2; the Redis packages run the same suite on their drivers.
 */
import { InMemoryApiKeyCacheBackend, silentLogger, TieredApiKeyCacheBackend } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { describeResolverStaleIfError } from "../src/resolver/describe-resolver-stale-if-error.js";

describeResolverStaleIfError("memory, two resolvers sharing the store", {
  createBackends: () => {
    const shared = new InMemoryApiKeyCacheBackend();
    return [shared, shared];
  },
});

describeResolverStaleIfError("tiered, two processes on one L2 and bus", {
  // Across processes the guarantee is revoke({ wait: true }), past the other L1's copies.
  revokeOptions: { wait: true },
  createBackends: () => {
    const l2 = new InMemoryApiKeyCacheBackend();
    const network = createInProcessBusNetwork();
    const tiered = () =>
      new TieredApiKeyCacheBackend({
        local: new InMemoryApiKeyCacheBackend(),
        localTtlSeconds: 0.05,
        remote: l2,
        bus: network.createBus(),
        logger: silentLogger,
      });
    return [tiered(), tiered()];
  },
});
