/** The in-memory backend runs the same conformance suite as the Redis backends. */
import { describeBackendConformance } from "@apikey/conformance";
import { InMemoryApiKeyCacheBackend } from "@apikey/core";

describeBackendConformance("InMemoryApiKeyCacheBackend", {
  createBackend: () => new InMemoryApiKeyCacheBackend(),
  createWithFakeClock: () => {
    let now = 0;
    return {
      backend: new InMemoryApiKeyCacheBackend({ now: () => now }),
      advance: (ms) => {
        now += ms;
      },
    };
  },
});
