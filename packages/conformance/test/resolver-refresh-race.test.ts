/**
 * Refresh-ahead against revoke, 1,000 rounds per backend: a background refresh that read
 * "active" before a revoke must never write after it (replaceIfUnchanged refuses the
 * tombstone), and nothing started after revoke() resolved is active. The Redis packages run
 * the same suite on their backends.
 */
import { InMemoryApiKeyCacheBackend, silentLogger, TieredApiKeyCacheBackend } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { describe } from "vitest";
import { describeResolverRevocationRace } from "../src/resolver/describe-resolver-revocation-race.js";

// Generous: CI machines are shared, and every round also waits for its refreshes to land.
const maxElapsedMs = 90_000;

describe("refresh-ahead against revoke", () => {
  describeResolverRevocationRace("memory, one resolver", {
    refreshAhead: true,
    maxElapsedMs,
    createBackends: () => [new InMemoryApiKeyCacheBackend()],
  });
  describeResolverRevocationRace("memory, two resolvers sharing the store", {
    refreshAhead: true,
    maxElapsedMs,
    createBackends: () => {
      const shared = new InMemoryApiKeyCacheBackend();
      return [shared, shared];
    },
  });
  describeResolverRevocationRace("tiered, two processes on one L2 and bus", {
    refreshAhead: true,
    maxElapsedMs,
    // Across processes the guarantee is revoke({ wait: true }): it returns once no L1 copy
    // elsewhere can be served (localTtlSeconds), so loads never land after it resolved.
    revokeOptions: { wait: true },
    expectLateActiveLoads: false,
    createBackends: () => {
      const l2 = new InMemoryApiKeyCacheBackend({ maxEntries: 100_000 });
      const network = createInProcessBusNetwork();
      const tiered = () =>
        new TieredApiKeyCacheBackend({
          local: new InMemoryApiKeyCacheBackend(),
          localTtlSeconds: 0.05,
          remote: l2, // shared by both "processes"; closing it twice is harmless
          bus: network.createBus(),
          logger: silentLogger,
        });
      return [tiered(), tiered()];
    },
    async beforeRace(backends) {
      for (let waited = 0; waited < 2_000; waited += 5) {
        if (backends.every((backend) => backend.l1Enabled)) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error("the tiered backends never enabled L1");
    },
  });
});
