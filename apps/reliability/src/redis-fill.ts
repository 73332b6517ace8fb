/** Raw keyspace work for the scenarios, over the test server's own RESP client, pipelined. */
import { type RedisTarget, RespConnection } from "@apikey/redis-test-server";

/** SET `count` keys `<prefix><i>` to a value of `valueBytes`, 1,000 per pipelined batch. */
export async function fillKeys(
  target: RedisTarget,
  prefix: string,
  count: number,
  valueBytes: number,
  ttlSeconds = 600,
): Promise<void> {
  const connection = await RespConnection.open(target, { timeoutMs: 10_000 });
  try {
    const value = "x".repeat(valueBytes);
    for (let start = 0; start < count; start += 1_000) {
      const batch: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(count, start + 1_000); i++) {
        batch.push(connection.command(["SET", `${prefix}${i}`, value, "EX", String(ttlSeconds)]));
      }
      await Promise.all(batch);
    }
  } finally {
    connection.close();
  }
}

/** Keys matching `<prefix>*` (the prefix's glob characters escaped), counted with SCAN. */
export async function countKeys(target: RedisTarget, prefix: string): Promise<number> {
  const connection = await RespConnection.open(target, { timeoutMs: 10_000 });
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`;
    let cursor = "0";
    let count = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const reply = (await connection.command([
        "SCAN",
        cursor,
        "MATCH",
        pattern,
        "COUNT",
        "1000",
      ])) as [string, string[]];
      cursor = String(reply[0]);
      count += reply[1].length;
      if (cursor === "0") break;
    }
    return count;
  } finally {
    connection.close();
  }
}
