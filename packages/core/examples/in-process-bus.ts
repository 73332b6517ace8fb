import { InMemoryApiKeyCacheBackend, TieredApiKeyCacheBackend } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";

// Two tiered "processes" on one shared L2, each with its own L1 and bus on one network.
const network = createInProcessBusNetwork();
const l2 = new InMemoryApiKeyCacheBackend();
const [first, second] = [network.createBus(), network.createBus()].map(
  (bus) =>
    new TieredApiKeyCacheBackend({ local: new InMemoryApiKeyCacheBackend(), remote: l2, bus }),
);
// A delete through one reaches the other's L1 over the bus (a macrotask later).
await first?.delete("key-hash");
await network.settled();
await second?.close();
