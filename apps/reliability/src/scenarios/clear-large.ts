/** `clear()` of a prefix holding many keys while other prefixes are live: its time, others untouched. */
import { type RedisDriver, silentLogger } from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { nodeRedisDriver } from "@apikey/redis-node";
import { startRedisServer } from "@apikey/redis-test-server";
import { countKeys, fillKeys } from "../redis-fill.js";
import { type Check, randomPrefix, runWithFault, type Scenario } from "../scenario.js";

const OTHER_KEYS = 5_000;
const DRIVERS: ReadonlyArray<readonly [string, RedisDriver]> = [
  ["ioredis", ioredisDriver],
  ["node-redis", nodeRedisDriver],
];

export const clearLargeScenario: Scenario = {
  name: "clear-large-prefix",
  description:
    "clear() of a prefix with many keys, once per client, while two other prefixes serve traffic",
  async run(profile) {
    const server = await startRedisServer();
    const checks: Check[] = [];
    const notes: string[] = [];
    try {
      const rows = await runWithFault({
        profile,
        kinds: ["redis-ioredis", "redis-node"],
        redisUrl: server.url,
        tag: "clear-live",
        fault: async (faultEnded, runs) => {
          const others = runs.map((run) => `${run.subject.keyPrefix}filler:`);
          for (const other of others) await fillKeys(server, other, OTHER_KEYS, 64);
          for (const [client, driver] of DRIVERS) {
            const prefix = randomPrefix(`clear:${client}`);
            await fillKeys(server, prefix, profile.clearKeys, 64);
            const backend = driver.createBackend({
              url: server.url,
              keyPrefix: prefix,
              logger: silentLogger,
            });
            try {
              const startedAt = performance.now();
              await backend.clear();
              const tookMs = performance.now() - startedAt;
              const left = await countKeys(server, prefix);
              const othersLeft = await Promise.all(others.map((other) => countKeys(server, other)));
              checks.push({
                label: `${client}: clear() removed all ${profile.clearKeys} keys and left the live prefixes' keys`,
                passed: left === 0 && othersLeft.every((count) => count === OTHER_KEYS),
                detail: `left under the cleared prefix: ${left}; others: ${othersLeft.join(", ")} of ${OTHER_KEYS} each`,
              });
              notes.push(
                `${client}: clear() of ${profile.clearKeys} keys took ${tookMs.toFixed(0)} ms (${Math.round(profile.clearKeys / (tookMs / 1000))} keys/s), with traffic on the other prefixes`,
              );
            } finally {
              await backend.close();
            }
          }
          faultEnded();
        },
      });
      return { rows, checks, notes };
    } finally {
      await server.stop();
    }
  },
};
