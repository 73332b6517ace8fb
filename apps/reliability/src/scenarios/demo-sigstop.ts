/**
 * Redis paused with SIGSTOP under the demo over HTTP (several workers): every worker's
 * connections stay open and nothing answers, then SIGCONT; redis over ioredis and tiered over
 * node-redis, both at once on the same server.
 */
import { startRedisServer } from "@apikey/redis-test-server";
import { DEMO_VARIANTS, runDemoFault } from "../demo-fault-run.js";
import { pauseFault } from "../pause-fault.js";
import type { Scenario } from "../scenario.js";

export const demoSigstopScenario: Scenario = {
  name: "demo-http-sigstop",
  description:
    "through the demo over HTTP (several workers): Redis paused with SIGSTOP for the fault time (sockets open, no answers), then SIGCONT",
  async run(profile) {
    const server = await startRedisServer();
    try {
      const { rows, note } = await runDemoFault({
        profile,
        tag: "stop",
        redisUrl: server.url,
        variants: DEMO_VARIANTS,
        fault: pauseFault(server, profile.faultMs),
      });
      return { rows, checks: [], notes: [`paused for ${profile.faultMs} ms`, note] };
    } finally {
      await server.stop();
    }
  },
};
