/** Redis paused with SIGSTOP: connections stay open, nothing answers, then SIGCONT. */
import { startRedisServer } from "@apikey/redis-test-server";
import { pauseFault } from "../pause-fault.js";
import { runWithFault, type Scenario } from "../scenario.js";
import { REDIS_KINDS } from "../subjects.js";

export const pauseScenario: Scenario = {
  name: "sigstop",
  description:
    "Redis paused with SIGSTOP for the fault time (sockets open, no answers), then SIGCONT",
  async run(profile) {
    const server = await startRedisServer();
    try {
      const rows = await runWithFault({
        profile,
        kinds: REDIS_KINDS,
        redisUrl: server.url,
        tag: "stop",
        fault: pauseFault(server, profile.faultMs),
      });
      return { rows, checks: [], notes: [`paused for ${profile.faultMs} ms`] };
    } finally {
      await server.stop();
    }
  },
};
