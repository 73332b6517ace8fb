/**
 * The read commands Redis servers ran, from `INFO commandstats` summed over nodes, for the
 * batching checks: how many commands a batch cost. A script's own GETs and PTTLs are counted
 * as GET and PTTL too; ASKING counts the redirects a client followed after an ASK reply. And a raw command on the node that holds a key (cluster or not).
 */
import { RedisReplyError, redisCommand } from "@apikey/redis-test-server";

const COUNTED = [
  "get",
  "mget",
  "pttl",
  "evalsha_ro",
  "eval_ro",
  "evalsha",
  "eval",
  "asking",
] as const;
/** Calls per read command. */
export type CommandCounts = Record<(typeof COUNTED)[number], number>;

/** Calls of the read commands so far, summed over `nodeUrls`. */
export async function commandCounts(nodeUrls: readonly string[]): Promise<CommandCounts> {
  const counts = Object.fromEntries(COUNTED.map((name) => [name, 0])) as CommandCounts;
  for (const url of nodeUrls) {
    const reply = await redisCommand(url, "INFO", "commandstats");
    for (const line of String(reply).split("\n")) {
      const match = /^cmdstat_([a-z_]+):calls=(\d+)/.exec(line);
      const name = match?.[1] as keyof CommandCounts | undefined;
      if (name !== undefined && name in counts) counts[name] += Number(match?.[2]);
    }
  }
  return counts;
}

/** The read commands the servers ran while `work` did. */
export async function countedDuring(
  nodeUrls: readonly string[],
  work: () => Promise<unknown>,
): Promise<CommandCounts> {
  const before = await commandCounts(nodeUrls);
  await work();
  const after = await commandCounts(nodeUrls);
  const delta = { ...after };
  for (const name of COUNTED) delta[name] -= before[name];
  return delta;
}

/** Run a raw command on the node holding `key` (on a cluster, the one that does not answer MOVED). */
export async function keyCommand(
  nodeUrls: readonly string[],
  key: string,
  ...argv: string[]
): Promise<unknown> {
  for (const url of nodeUrls) {
    try {
      return await redisCommand(url, ...argv);
    } catch (error) {
      if (error instanceof RedisReplyError && error.message.startsWith("MOVED")) continue;
      throw error;
    }
  }
  throw new Error(`no node took ${argv[0]} for ${key}`);
}
