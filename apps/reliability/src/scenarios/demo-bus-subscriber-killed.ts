/**
 * The tiered demos' bus subscribers killed (`CLIENT KILL TYPE pubsub`: every worker's at once)
 * three times during the fault time, over each client, with revocations throughout. After each
 * kill, once every worker reads its L1 again, a revoke through one worker must be refused by
 * every worker within the bus bound (`demo-revocation-probe`).
 */
import { redisCommand, startRedisServer } from "@apikey/redis-test-server";
import { runDemoFault, TIERED_DEMO_VARIANTS } from "../demo-fault-run.js";
import {
  type DemoRevocationOutcome,
  demoRevocationCheck,
  describeDemoRevocations,
  probeDemoRevocation,
} from "../demo-revocation-probe.js";
import type { Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";

const KILLS = 3;

export const demoBusSubscriberKilledScenario: Scenario = {
  name: "demo-http-bus-subscriber-killed",
  description: `through the tiered demo over HTTP (several workers, each client): CLIENT KILL TYPE pubsub ${KILLS} times during the fault time, with revocations throughout; after each kill a revoke through one worker must reach every worker`,
  async run(profile) {
    const server = await startRedisServer();
    try {
      let killed = 0;
      const probes = new Map<string, DemoRevocationOutcome[]>();
      const { rows, note } = await runDemoFault({
        profile,
        tag: "pubsub",
        redisUrl: server.url,
        variants: TIERED_DEMO_VARIANTS,
        spareKeys: KILLS,
        fault: async (faultEnded, demos) => {
          for (let i = 0; i < KILLS; i++) {
            const began = performance.now();
            killed += Number(await redisCommand(server, "CLIENT", "KILL", "TYPE", "pubsub"));
            const outcomes = await Promise.all(
              demos.map((demo) => {
                const key = demo.spareKeys[i];
                if (key === undefined) throw new Error(`${demo.label}: no spare key ${i}`);
                return probeDemoRevocation(demo, key);
              }),
            );
            for (const outcome of outcomes) {
              probes.set(outcome.label, [...(probes.get(outcome.label) ?? []), outcome]);
            }
            await sleep(Math.max(0, profile.faultMs / KILLS - (performance.now() - began)));
          }
          faultEnded();
        },
      });
      return {
        rows,
        checks: [...probes].map(([label, outcomes]) => demoRevocationCheck(label, outcomes)),
        notes: [
          `subscriber connections killed: ${killed} (every worker's, ${KILLS} times); Redis itself stayed up`,
          ...[...probes.values()].map(describeDemoRevocations),
          note,
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
