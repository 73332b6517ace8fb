/**
 * cluster-get: `get` hits on a 3-master Redis Cluster (`startRedisCluster` of
 * `@apikey/redis-test-server`, loopback, no replicas), 256 in flight: our backends, batching on
 * and off, vs the raw cluster client each wraps doing GET + JSON.parse: ioredis `Cluster` with
 * auto-pipelining, and node-redis `createCluster` with its per-command timeout off. Batched
 * reads on a cluster are grouped per master. No goal of its own (issue 10 sets the goals on
 * one server); the ratios are for reading next to redis-get's.
 */
import { startRedisCluster } from "@apikey/redis-test-server";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { compareContenders } from "../harness/compare-contenders.js";
import { reportComparison } from "../harness/comparison-report.js";
import { seedRedisContenders } from "../harness/redis-contenders.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { KEY_COUNT, makeApiKeys } from "../harness/workload.js";

const CONCURRENCY = 256;
const MASTERS = 3;
const KEY_PREFIX = "bench:cluster:";
const RAW_IOREDIS = "raw ioredis Cluster (auto-pipelining)";
const OURS_IOREDIS = "IoredisApiKeyCacheBackend on Cluster";
const OURS_IOREDIS_OFF = "IoredisApiKeyCacheBackend on Cluster (batching off)";
const RAW_NODE = "raw node-redis createCluster (timeout 0)";
const OURS_NODE = "NodeRedisApiKeyCacheBackend on createCluster";
const OURS_NODE_OFF = "NodeRedisApiKeyCacheBackend on createCluster (batching off)";

/** See the module comment. */
export const clusterGetSuite: BenchSuite = {
  name: "cluster-get",
  description: `get hits on a ${MASTERS}-master Redis Cluster: our backends vs the raw cluster clients`,
  async run(context: SuiteContext): Promise<void> {
    const cluster = await startRedisCluster({ masters: MASTERS });
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const keys = makeApiKeys(KEY_COUNT);

      const ioredis = new Cluster(
        cluster.startupNodes.map((node) => ({ host: node.host, port: node.port })),
        { enableAutoPipelining: true },
      );
      closers.push(() => ioredis.quit());
      const nodeRedis = createCluster({
        rootNodes: cluster.urls.map((url) => ({ url })),
        commandOptions: { timeout: 0 },
      });
      nodeRedis.on("error", (error: unknown) => console.error("node-redis cluster:", error));
      await nodeRedis.connect();
      closers.push(() => nodeRedis.close());

      const contenders = await seedRedisContenders({
        ioredis,
        nodeRedis,
        keyPrefix: KEY_PREFIX,
        keys,
        names: {
          rawIoredis: RAW_IOREDIS,
          oursIoredis: OURS_IOREDIS,
          oursIoredisOff: OURS_IOREDIS_OFF,
          rawNode: RAW_NODE,
          oursNode: OURS_NODE,
          oursNodeOff: OURS_NODE_OFF,
        },
        closers,
      });
      const { durationMs, warmupMs, runs } = context.options;
      const results = await compareContenders(contenders, {
        concurrency: CONCURRENCY,
        durationMs,
        warmupMs,
        runs,
      });
      reportComparison({
        suite: "cluster-get",
        title: `cluster-get: GET hits, ${MASTERS} masters, ${KEY_COUNT.toLocaleString("en-US")} keys, ${CONCURRENCY} in flight, median of ${runs} x ${durationMs / 1000} s`,
        results,
        ratios: [
          { contender: OURS_IOREDIS, baseline: RAW_IOREDIS },
          { contender: OURS_IOREDIS_OFF, baseline: RAW_IOREDIS },
          { contender: OURS_NODE, baseline: RAW_NODE },
          { contender: OURS_NODE_OFF, baseline: RAW_NODE },
        ],
        context,
        subjectSuffix: " (cluster)",
      });
    } finally {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => console.error("close failed:", error));
      }
      await cluster.stop();
    }
  },
};
