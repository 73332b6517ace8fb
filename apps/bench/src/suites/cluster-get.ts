/**
 * cluster-get: `get` hits on a 3-master Redis Cluster (`startRedisCluster` of
 * `@apikey/redis-test-server`, loopback, no replicas), 256 in flight: our backends, batching on
 * and off, vs the raw cluster client each wraps doing GET + JSON.parse: ioredis `Cluster` with
 * auto-pipelining, and node-redis `createCluster` with its per-command timeout off. Batched
 * reads on a cluster are grouped per master. No goal of its own (issue 10 sets the goals on
 * one server); the ratios are for reading next to redis-get's.
 */
import type { CachedApiKey } from "@apikey/core";
import { encodeCachedApiKey } from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { startRedisCluster } from "@apikey/redis-test-server";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { batchingOptions } from "../harness/batching.js";
import { type Contender, compareContenders } from "../harness/compare-contenders.js";
import { reportComparison } from "../harness/comparison-report.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { expectHit, KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

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
      const hashes = keys.map((key) => key.hash);
      const pick = (sequence: number): string => hashes[sequence % KEY_COUNT] as string;

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

      const ours = (client: "ioredis" | "node", batching: "on" | "off") => {
        const options = { keyPrefix: KEY_PREFIX, ...batchingOptions(batching) };
        const backend =
          client === "ioredis"
            ? new IoredisApiKeyCacheBackend(ioredis, options)
            : new NodeRedisApiKeyCacheBackend(nodeRedis, options);
        closers.push(() => backend.close());
        return backend;
      };
      const oursIoredis = ours("ioredis", "on");
      const oursIoredisOff = ours("ioredis", "off");
      const oursNode = ours("node", "on");
      const oursNodeOff = ours("node", "off");

      for (let start = 0; start < KEY_COUNT; start += 1000) {
        await Promise.all(
          keys
            .slice(start, start + 1000)
            .map((key) =>
              ioredis.set(
                KEY_PREFIX + key.hash,
                encodeCachedApiKey(key.record),
                "PX",
                LONG_TTL_SECONDS * 1000,
              ),
            ),
        );
      }

      const contenders: Contender[] = [
        {
          name: RAW_IOREDIS,
          operation: async (sequence) =>
            JSON.parse(expectHit(await ioredis.get(KEY_PREFIX + pick(sequence)))) as CachedApiKey,
        },
        {
          name: OURS_IOREDIS,
          operation: async (sequence) => expectHit(await oursIoredis.get(pick(sequence))),
        },
        {
          name: OURS_IOREDIS_OFF,
          operation: async (sequence) => expectHit(await oursIoredisOff.get(pick(sequence))),
        },
        {
          name: RAW_NODE,
          operation: async (sequence) =>
            JSON.parse(expectHit(await nodeRedis.get(KEY_PREFIX + pick(sequence)))) as CachedApiKey,
        },
        {
          name: OURS_NODE,
          operation: async (sequence) => expectHit(await oursNode.get(pick(sequence))),
        },
        {
          name: OURS_NODE_OFF,
          operation: async (sequence) => expectHit(await oursNodeOff.get(pick(sequence))),
        },
      ];
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
