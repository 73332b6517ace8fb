/** 150 ms event-loop stalls (synchronous work) with calls in flight, Redis healthy. */
import { startRedisServer } from "@apikey/redis-test-server";
import { runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { REDIS_KINDS } from "../subjects.js";

const STALL_MS = 150;

function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

export const eventLoopStallScenario: Scenario = {
  name: "event-loop-stall",
  description: `${STALL_MS} ms synchronous stalls every 500 ms during the fault time, Redis healthy`,
  async run(profile) {
    const server = await startRedisServer();
    try {
      let stalls = 0;
      const rows = await runWithFault({
        profile,
        kinds: ["memory", ...REDIS_KINDS],
        redisUrl: server.url,
        tag: "stall",
        fault: async (faultEnded) => {
          const end = performance.now() + profile.faultMs;
          while (performance.now() < end) {
            stall(STALL_MS);
            stalls++;
            await sleep(500);
          }
          faultEnded();
        },
      });
      return {
        rows,
        checks: [],
        notes: [
          `${stalls} stalls of ${STALL_MS} ms; latencies include the stall a call sat through`,
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
