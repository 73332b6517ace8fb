/** The tiered backends' bus subscriber killed (`CLIENT KILL TYPE pubsub`) while revocations flow. */
import { redisCommand, startRedisServer } from "@apikey/redis-test-server";
import { runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { TIERED_KINDS } from "../subjects.js";

export const pubsubKillScenario: Scenario = {
  name: "bus-subscriber-killed",
  description:
    "CLIENT KILL TYPE pubsub, three times during the fault time, with revocations throughout (tiered only)",
  async run(profile) {
    const server = await startRedisServer();
    try {
      let killed = 0;
      const rows = await runWithFault({
        profile,
        kinds: TIERED_KINDS,
        redisUrl: server.url,
        tag: "pubsub",
        fault: async (faultEnded) => {
          for (let i = 0; i < 3; i++) {
            killed += Number(await redisCommand(server, "CLIENT", "KILL", "TYPE", "pubsub"));
            await sleep(profile.faultMs / 3);
          }
          faultEnded();
        },
      });
      return {
        rows,
        checks: [],
        notes: [`subscriber connections killed: ${killed}; Redis itself stayed up`],
      };
    } finally {
      await server.stop();
    }
  },
};
