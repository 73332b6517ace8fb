/**
 * The kill/restart scenario through the demo over HTTP: several worker processes behind one
 * port, Redis killed mid-run and restarted on the same port; one demo per backend (redis over
 * ioredis, tiered over node-redis), both at once on the same server.
 */
import { startRedisServer } from "@apikey/redis-test-server";
import { DEMO_VARIANTS, runDemoFault } from "../demo-fault-run.js";
import type { Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";

export const demoKillRestartScenario: Scenario = {
  name: "demo-http-kill-restart",
  description:
    "through the demo over HTTP (several workers): Redis killed mid-run and restarted on the same port",
  async run(profile) {
    const server = await startRedisServer();
    try {
      const { rows, note } = await runDemoFault({
        profile,
        tag: "kill",
        redisUrl: server.url,
        variants: DEMO_VARIANTS,
        fault: async (faultEnded) => {
          await server.kill();
          await sleep(profile.faultMs);
          await server.restart();
          faultEnded();
        },
      });
      return {
        rows,
        checks: [],
        notes: [`down for ${profile.faultMs} ms; data lost on restart`, note],
      };
    } finally {
      await server.stop();
    }
  },
};
