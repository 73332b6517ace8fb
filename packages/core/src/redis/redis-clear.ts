/**
 * `clear()`: every key under a prefix, on every master. SCAN MATCH with the escaped prefix,
 * then UNLINK in bounded batches, grouped by slot on a cluster so no command spans two slots
 * (CROSSSLOT). Each round trip has the deadline, not the whole sweep.
 */
import { ApiKeyCacheError } from "../errors.js";
import type { RedisMasterNode } from "./redis-command-connection.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { CLEAR_BATCH_SIZE, prefixScanPattern, unlinkBatches } from "./redis-keyspace.js";

/** Remove every key under `keyPrefix` from every master. */
export async function clearKeyPrefix(
  runner: RedisCommandRunner,
  masters: () => Promise<readonly RedisMasterNode[]>,
  keyPrefix: string,
  cluster: boolean,
  owner: string,
): Promise<void> {
  // The master list is known only once the connection (cluster: its slots) is ready.
  const nodes = await runner.bound(
    runner.whenReady().then(masters),
    "clear (connecting to every master)",
  );
  if (nodes.length === 0) {
    throw new ApiKeyCacheError("E_BACKEND_UNAVAILABLE", `${owner}: the cluster has no master`);
  }
  const pattern = prefixScanPattern(keyPrefix);
  await Promise.all(nodes.map((node) => clearNode(runner, node, pattern, cluster)));
}

async function clearNode(
  runner: RedisCommandRunner,
  node: RedisMasterNode,
  pattern: string,
  cluster: boolean,
): Promise<void> {
  const count = String(CLEAR_BATCH_SIZE);
  let cursor = "0";
  do {
    const scan = ["SCAN", cursor, "MATCH", pattern, "COUNT", count];
    const reply = (await runner.bound(node.send(scan), "SCAN")) as [unknown, string[]];
    cursor = String(reply[0]);
    const keys = reply[1];
    if (keys.length === 0) continue;
    await Promise.all(
      unlinkBatches(keys, cluster).map((batch) =>
        runner.bound(node.send(["UNLINK", ...batch]), "UNLINK"),
      ),
    );
  } while (cursor !== "0");
}
