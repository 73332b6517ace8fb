/**
 * Corrupt and foreign values, keys of other types, and glob characters in the prefix: while
 * traffic runs, entries of valid and revoked keys are overwritten with garbage, with JSON of
 * another shape, or replaced by a list; the prefix holds `[ab]*?`. Afterwards `clear()` must
 * leave a neighbour's keys alone that the unescaped pattern would match.
 */
import { RespConnection, startRedisServer } from "@apikey/redis-test-server";
import { countKeys } from "../redis-fill.js";
import { type Check, runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import type { TrafficRun } from "../traffic.js";

const NEIGHBOUR_KEYS = 50;

/** `rel:glob[ab]*?:<kind>:<rand>:` → a prefix the unescaped pattern would also match. */
function neighbourOf(prefix: string): string {
  return prefix.replace("glob[ab]*?", "globaZ");
}

async function corruptSome(
  connection: RespConnection,
  run: TrafficRun,
  count: number,
): Promise<number> {
  let done = 0;
  const revoked = run.revokedHashes();
  for (let i = 0; i < count; i++) {
    const entry =
      i % 4 === 3 && revoked.length > 0 ? undefined : run.subject.database.randomActive();
    const hash = entry?.hash ?? revoked[Math.floor(Math.random() * revoked.length)];
    if (hash === undefined) continue;
    const key = `${run.subject.keyPrefix}${hash}`;
    switch (i % 3) {
      case 0:
        await connection.command(["SET", key, "not json {", "EX", "60"]);
        break;
      case 1:
        await connection.command([
          "SET",
          key,
          '{"user":"someone else","scopes":["*"]}',
          "EX",
          "60",
        ]);
        break;
      default:
        await connection.command(["DEL", key]);
        await connection.command(["LPUSH", key, "a", "b"]);
    }
    done++;
  }
  return done;
}

export const corruptValuesScenario: Scenario = {
  name: "corrupt-foreign-values-glob-prefix",
  description:
    "entries overwritten with garbage, foreign JSON and lists (valid and revoked keys) during the fault time; glob characters in the prefix; clear() afterwards",
  async run(profile) {
    const server = await startRedisServer();
    const checks: Check[] = [];
    let corrupted = 0;
    try {
      const rows = await runWithFault({
        profile,
        kinds: ["redis-ioredis", "redis-node", "tiered-ioredis", "tiered-node"],
        redisUrl: server.url,
        tag: "glob[ab]*?",
        fault: async (faultEnded, runs) => {
          const connection = await RespConnection.open(server, { timeoutMs: 5_000 });
          try {
            const end = performance.now() + profile.faultMs;
            while (performance.now() < end) {
              for (const run of runs) corrupted += await corruptSome(connection, run, 20);
              await sleep(100);
            }
            for (const run of runs) {
              const neighbour = neighbourOf(run.subject.keyPrefix);
              for (let i = 0; i < NEIGHBOUR_KEYS; i++) {
                await connection.command(["SET", `${neighbour}${i}`, "keep", "EX", "600"]);
              }
              await run.subject.instances[0]?.backend.clear();
              const left = await countKeys(server, neighbour);
              checks.push({
                label: `${run.subject.kind}: clear() under a glob prefix leaves the neighbour's keys`,
                passed: left === NEIGHBOUR_KEYS,
                detail: `${left} of ${NEIGHBOUR_KEYS} left under ${JSON.stringify(neighbour)}`,
              });
            }
          } finally {
            connection.close();
          }
          faultEnded();
        },
      });
      return {
        rows,
        checks,
        notes: [
          `entries corrupted: ${corrupted} (garbage, foreign JSON, lists), spread over the four backends; prefix contains \`[ab]*?\``,
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
