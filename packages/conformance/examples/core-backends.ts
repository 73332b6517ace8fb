import { describeBackendConformance } from "@apikey/conformance";
import { InMemoryApiKeyCacheBackend, TieredApiKeyCacheBackend } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";

// In a *.test.ts file: the suite against core's memory backend...
describeBackendConformance("InMemoryApiKeyCacheBackend", {
  createBackend: () => new InMemoryApiKeyCacheBackend(),
});

// ...and against the tiered backend, on a memory L2 and an in-process bus (see
// test/tiered-conformance.test.ts for the peer wiring that also runs the cross-instance checks).
describeBackendConformance("TieredApiKeyCacheBackend", {
  createBackend: () =>
    new TieredApiKeyCacheBackend({
      local: new InMemoryApiKeyCacheBackend(),
      remote: new InMemoryApiKeyCacheBackend(),
      bus: createInProcessBusNetwork().createBus(),
    }),
});
