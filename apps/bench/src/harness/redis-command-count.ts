/**
 * How many commands a Redis server has run, from `INFO commandstats`. Sampled around a load run
 * it tells whether a tiered backend's L1 answers (a few commands per thousand requests) or every
 * request reaches Redis (about one each).
 */
import { redisCommand } from "@apikey/redis-test-server";

/** Commands left out: the count's own `INFO`, and the bus's health pings, which follow the clock. */
const NOT_COUNTED = new Set(["info", "ping"]);

/** Calls of every command but `INFO` and `PING` since the server started (or its stats reset). */
export async function redisCommandCalls(url: string): Promise<number> {
  const reply = await redisCommand(url, "INFO", "commandstats");
  if (typeof reply !== "string") throw new Error("INFO commandstats: unexpected reply");
  let calls = 0;
  for (const line of reply.split("\n")) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match !== null && !NOT_COUNTED.has(match[1] ?? "")) calls += Number(match[2]);
  }
  return calls;
}
