import { createInProcessBusNetwork, describeBackendConformance } from "@apikey/conformance";
import { InMemoryApiKeyCacheBackend, TieredApiKeyCacheBackend } from "@apikey/core";

// In a *.test.ts file of a package that implements ApiKeyCacheBackend:
describeBackendConformance("InMemoryApiKeyCacheBackend", {
  createBackend: () => new InMemoryApiKeyCacheBackend(),
});

// The tiered backend, on a memory L2 and an in-process bus (see test/tiered-conformance.test.ts
// for the peer wiring that also runs the cross-instance checks).
describeBackendConformance("TieredApiKeyCacheBackend", {
  createBackend: () =>
    new TieredApiKeyCacheBackend({
      local: new InMemoryApiKeyCacheBackend(),
      remote: new InMemoryApiKeyCacheBackend(),
      bus: createInProcessBusNetwork().createBus(),
    }),
});
