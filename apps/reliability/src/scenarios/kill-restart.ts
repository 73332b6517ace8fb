/** Redis SIGKILLed mid-run and restarted on the same port (its data, tombstones included, lost). */
import { startRedisServer } from "@apikey/redis-test-server";
import { runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { REDIS_KINDS } from "../subjects.js";

export const killRestartScenario: Scenario = {
  name: "kill-restart",
  description: "Redis killed (SIGKILL) mid-run, restarted on the same port after the fault time",
  async run(profile) {
    const server = await startRedisServer();
    try {
      const rows = await runWithFault({
        profile,
        kinds: REDIS_KINDS,
        redisUrl: server.url,
        tag: "kill",
        fault: async (faultEnded) => {
          await server.kill();
          await sleep(profile.faultMs);
          await server.restart();
          faultEnded();
        },
      });
      return { rows, checks: [], notes: [`down for ${profile.faultMs} ms; data lost on restart`] };
    } finally {
      await server.stop();
    }
  },
};
