/**
 * Throwaway Redis Clusters for tests: N masters on free loopback ports, slots split evenly,
 * joined with CLUSTER MEET, optionally each with `replicas` replicas (CLUSTER REPLICATE), ready
 * once every node reports `cluster_state:ok` and every replica has synced. The tricky point is
 * the cluster bus: it listens on its own port (`cluster-port`), chosen free as well, because
 * the default `port + 10000` can overflow or collide.
 */
import { ApiKeyCacheError } from "@apikey/core";
import { findFreePort } from "./free-port.js";
import {
  type RedisServerHandle,
  type StartRedisServerOptions,
  startRedisServer,
} from "./redis-server.js";
import { RedisReplyError } from "./resp-codec.js";
import { type RedisEndpoint, redisCommandWithOptions } from "./resp-connection.js";
import { createTestCertificates, type TestCertificates } from "./test-certificates.js";

/** Number of hash slots of a Redis Cluster. */
export const CLUSTER_SLOT_COUNT = 16_384;

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters. @default 3 */
  masters?: number;
  /**
   * Replicas per master (`replicas: 1` with 3 masters starts 6 nodes). Killing a master then
   * fails over to its replica after `nodeTimeoutMs`. @default 0
   */
  replicas?: number;
  /** `cluster-node-timeout`: how long until an unreachable node is marked failed. @default 5000 */
  nodeTimeoutMs?: number;
  /** Longest the whole start may take (nodes up, slots assigned, state ok). @default 30000 */
  startTimeoutMs?: number;
  /** Extra redis.conf directives for every node. */
  config?: readonly string[];
  /** Path of the binary. @default `$REDIS_SERVER_BIN`, else `redis-server` on PATH */
  bin?: string;
  /**
   * Every node speaks only TLS, clients, cluster bus and replication alike (`port 0`,
   * `tls-port`, `tls-cluster yes`, `tls-replication yes`), with certificates made for the
   * cluster (`certificates` on the handle; removed by `stop()`). URLs are then `rediss://`.
   * @default false
   */
  tls?: boolean;
}

/** One node of a test cluster: a server handle plus its cluster bus port. */
export interface RedisClusterNode extends RedisServerHandle {
  readonly clusterBusPort: number;
}

/** A replica of a test cluster, and the index in `nodes` of the master it started under. */
export interface RedisClusterReplica extends RedisClusterNode {
  readonly masterIndex: number;
}

/** A running test cluster. */
export interface RedisClusterHandle {
  /**
   * The masters as started, in slot order: node i serves the i-th contiguous slot range (after
   * a failover its replica serves it instead).
   */
  readonly nodes: readonly RedisClusterNode[];
  /** The replicas as started (empty unless `replicas` was set), in master order. */
  readonly replicas: readonly RedisClusterReplica[];
  /** The certificates of a `tls: true` cluster (CA, client certificate and key). */
  readonly certificates?: TestCertificates | undefined;
  /** URL of the first node, enough for a cluster client to discover the rest. */
  readonly seedUrl: string;
  /** URLs of the masters as started (node-redis `rootNodes: urls.map((url) => ({ url }))`). */
  readonly urls: readonly string[];
  /** Host and port of the masters as started (ioredis `new Cluster(startupNodes)`). */
  readonly startupNodes: readonly RedisEndpoint[];
  /**
   * Resolves once every running node reports `cluster_state:ok` and every running replica is
   * synced with a running master; rejects after `timeoutMs` (default 20000).
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * The nodes serving slots now, read from a running node's `CLUSTER NODES` (after a
   * failover: the promoted replica in place of the dead master).
   */
  currentMasters(): Promise<RedisEndpoint[]>;
  /**
   * Have `node` announce `port` as its client port (`cluster-announce-port`), so cluster
   * clients, which connect where the slot map says, reach it there: through a
   * `startTcpFaultProxy` in front of it, say. The cluster bus stays direct, so a fault on that
   * port is seen by clients only and never fails the node over. Resolves once every running
   * node lists `node` at `port`; rejects after `timeoutMs` (default 20000). A restart of the
   * node forgets it.
   */
  announcePort(node: RedisClusterNode, port: number, timeoutMs?: number): Promise<void>;
  /** Stop every node. Idempotent. */
  stop(): Promise<void>;
}

const CLUSTER_POLL_INTERVAL_MS = 50;
const DEFAULT_HEALTHY_TIMEOUT_MS = 20_000;

function clusterNode(server: RedisServerHandle, clusterBusPort: number): RedisClusterNode {
  // Delegation rather than spreading: url, pid and running are live getters.
  return {
    get url() {
      return server.url;
    },
    get host() {
      return server.host;
    },
    get port() {
      return server.port;
    },
    get spawned() {
      return server.spawned;
    },
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    get tls() {
      return server.tls;
    },
    clusterBusPort,
    logs: () => server.logs(),
    kill: () => server.kill(),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    stop: () => server.stop(),
  };
}

/** The even split of the slots over `count` masters, as inclusive [first, last] ranges. */
export function splitSlots(count: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < count; i += 1) {
    const first = Math.floor((i * CLUSTER_SLOT_COUNT) / count);
    const last = Math.floor(((i + 1) * CLUSTER_SLOT_COUNT) / count) - 1;
    ranges.push([first, last]);
  }
  return ranges;
}

async function command(node: RedisEndpoint, ...args: Array<string | number>): Promise<unknown> {
  return redisCommandWithOptions(node, args, { timeoutMs: 2_000 });
}

async function assignSlots(node: RedisEndpoint, [first, last]: [number, number]): Promise<void> {
  try {
    await command(node, "CLUSTER", "ADDSLOTSRANGE", first, last);
  } catch (error) {
    // ADDSLOTSRANGE is Redis 7.0+; older servers take the slots one by one.
    if (!(error instanceof RedisReplyError)) throw error;
    const slots: number[] = [];
    for (let slot = first; slot <= last; slot += 1) slots.push(slot);
    await command(node, "CLUSTER", "ADDSLOTS", ...slots);
  }
}

/** `CLUSTER INFO` as a field map. */
export async function clusterInfo(node: RedisEndpoint): Promise<Record<string, string>> {
  const raw = await command(node, "CLUSTER", "INFO");
  const fields: Record<string, string> = {};
  for (const line of String(raw).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** `INFO replication` as a field map. */
async function replicationInfo(node: RedisEndpoint): Promise<Record<string, string>> {
  const raw = await command(node, "INFO", "replication");
  const fields: Record<string, string> = {};
  for (const line of String(raw).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** One running node's health: state ok, every node known, a replica's link up. */
async function nodeHealth(
  node: RedisClusterNode,
  total: number,
): Promise<{ healthy: boolean; state: string }> {
  try {
    const info = await clusterInfo(node);
    let healthy = info.cluster_state === "ok" && Number(info.cluster_known_nodes) === total;
    let state = `${node.port}: ${info.cluster_state} (${info.cluster_known_nodes} known)`;
    const replication = await replicationInfo(node);
    if (replication.role === "slave") {
      healthy &&= replication.master_link_status === "up";
      state += ` replica link ${replication.master_link_status}`;
    }
    return { healthy, state };
  } catch (error) {
    return { healthy: false, state: `${node.port}: ${(error as Error).message}` };
  }
}

async function waitUntilHealthy(
  nodes: readonly RedisClusterNode[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const running = nodes.filter((node) => node.running);
    const states = await Promise.all(running.map((node) => nodeHealth(node, nodes.length)));
    if (running.length > 0 && states.every((s) => s.healthy)) return;
    last = states.map((s) => s.state).join(", ");
    if (Date.now() >= deadline) {
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `The test cluster did not reach cluster_state:ok with every replica synced within ${timeoutMs} ms: ${last}`,
      );
    }
    // Cluster state converges by gossip inside the servers; there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, CLUSTER_POLL_INTERVAL_MS));
  }
}

/** The endpoints of the nodes that serve slots, as a running node's `CLUSTER NODES` says. */
async function currentMasters(nodes: readonly RedisClusterNode[]): Promise<RedisEndpoint[]> {
  let lastError: unknown;
  for (const node of nodes.filter((candidate) => candidate.running)) {
    try {
      const raw = String(await command(node, "CLUSTER", "NODES"));
      const masters: RedisEndpoint[] = [];
      for (const line of raw.split("\n")) {
        const [, address, flags, , , , , , ...slots] = line.trim().split(" ");
        if (address === undefined || flags === undefined || slots.length === 0) continue;
        if (!flags.split(",").includes("master") || flags.includes("fail")) continue;
        const hostPort = address.split("@")[0] ?? "";
        const colon = hostPort.lastIndexOf(":");
        masters.push({
          host: hostPort.slice(0, colon),
          port: Number(hostPort.slice(colon + 1)),
          ...(node.tls === undefined ? {} : { tls: node.tls }),
        });
      }
      return masters;
    } catch (error) {
      lastError = error;
    }
  }
  throw new ApiKeyCacheError("E_BACKEND_UNAVAILABLE", "No node of the test cluster answered", {
    cause: lastError,
  });
}

/** See {@link RedisClusterHandle.announcePort}. */
async function announcePort(
  nodes: readonly RedisClusterNode[],
  node: RedisClusterNode,
  port: number,
  timeoutMs: number,
): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ApiKeyCacheError("E_CONFIG", `announcePort: port must be 1 to 65535, got ${port}`);
  }
  const id = await nodeId(node);
  await command(node, "CONFIG", "SET", "cluster-announce-bus-port", node.clusterBusPort);
  await command(node, "CONFIG", "SET", "cluster-announce-port", port);
  const deadline = Date.now() + timeoutMs;
  const listed = async (peer: RedisClusterNode): Promise<boolean> => {
    const raw = String(await command(peer, "CLUSTER", "NODES"));
    const line = raw.split("\n").find((candidate) => candidate.startsWith(`${id} `));
    return line?.split(" ")[1]?.split("@")[0]?.endsWith(`:${port}`) === true;
  };
  for (;;) {
    const running = nodes.filter((peer) => peer.running);
    const seen = await Promise.all(running.map((peer) => listed(peer).catch(() => false)));
    if (seen.every(Boolean)) return;
    if (Date.now() >= deadline) {
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `announcePort: not every node lists ${node.port} at port ${port} within ${timeoutMs} ms`,
      );
    }
    // Announced addresses spread by gossip; there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, CLUSTER_POLL_INTERVAL_MS));
  }
}

/** Start one node with the cluster directives; its cluster bus port is chosen free. */
async function startClusterNode(
  options: StartRedisClusterOptions,
  deadline: number,
  certificates: TestCertificates | undefined,
): Promise<RedisClusterNode> {
  const clusterBusPort = await findFreePort();
  const serverOptions: StartRedisServerOptions = {
    startTimeoutMs: Math.max(1_000, deadline - Date.now()),
    ...(certificates === undefined ? {} : { tlsCertificates: certificates }),
    config: [
      ...(certificates === undefined ? [] : ["tls-cluster yes"]),
      "cluster-enabled yes",
      "cluster-config-file nodes.conf",
      `cluster-port ${clusterBusPort}`,
      `cluster-node-timeout ${options.nodeTimeoutMs ?? 5_000}`,
      // Replicas sync at once (the default waits 5 s for more replicas to join a transfer).
      "repl-diskless-sync yes",
      "repl-diskless-sync-delay 0",
      ...(options.config ?? []),
    ],
    ...(options.bin === undefined ? {} : { bin: options.bin }),
  };
  return clusterNode(await startRedisServer(serverOptions), clusterBusPort);
}

/** A node id as `CLUSTER MYID` gives it. */
async function nodeId(node: RedisEndpoint): Promise<string> {
  return String(await command(node, "CLUSTER", "MYID"));
}

/** `CLUSTER REPLICATE` once the replica has learned of the master by gossip (bounded retries). */
async function replicate(replica: RedisEndpoint, masterId: string, deadline: number) {
  for (;;) {
    try {
      await command(replica, "CLUSTER", "REPLICATE", masterId);
      return;
    } catch (error) {
      // "Unknown node": the MEET has not reached it yet.
      if (!(error instanceof RedisReplyError) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, CLUSTER_POLL_INTERVAL_MS));
  }
}

/**
 * Start a Redis Cluster of `masters` (default 3) throwaway nodes and wait until it is healthy.
 * Every node is killed when the test process ends, even on failure; call `stop()` when done.
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const count = options.masters ?? 3;
  if (!Number.isInteger(count) || count < 1) {
    throw new ApiKeyCacheError("E_CONFIG", `masters must be a positive integer, got ${count}`);
  }
  const perMaster = options.replicas ?? 0;
  if (!Number.isInteger(perMaster) || perMaster < 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `replicas must be a non-negative integer, got ${perMaster}`,
    );
  }
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + startTimeoutMs;
  const nodes: RedisClusterNode[] = [];
  const replicas: RedisClusterReplica[] = [];
  const everyNode = (): RedisClusterNode[] => [...nodes, ...replicas];
  const certificates = options.tls === true ? await createTestCertificates() : undefined;
  const stop = async (): Promise<void> => {
    try {
      await Promise.all(everyNode().map((node) => node.stop()));
    } finally {
      certificates?.remove();
    }
  };
  try {
    for (let i = 0; i < count; i += 1)
      nodes.push(await startClusterNode(options, deadline, certificates));
    const ranges = splitSlots(count);
    await Promise.all(
      nodes.map(async (node, i) => {
        // Distinct epochs up front spare the cluster its epoch-collision resolution.
        await command(node, "CLUSTER", "SET-CONFIG-EPOCH", i + 1);
        const range = ranges[i];
        if (range !== undefined) await assignSlots(node, range);
      }),
    );
    const [first, ...others] = nodes;
    if (first !== undefined) {
      for (const other of others) {
        await command(first, "CLUSTER", "MEET", other.host, other.port, other.clusterBusPort);
      }
    }
    for (let i = 0; i < count * perMaster; i += 1) {
      const node = await startClusterNode(options, deadline, certificates);
      // Assigned onto the node itself: its live getters (url, pid, running) stay getters.
      replicas.push(Object.assign(node, { masterIndex: i % count }));
    }
    if (first !== undefined && replicas.length > 0) {
      for (const replica of replicas) {
        await command(first, "CLUSTER", "MEET", replica.host, replica.port, replica.clusterBusPort);
      }
      const masterIds = await Promise.all(nodes.map(nodeId));
      for (const replica of replicas) {
        await replicate(replica, masterIds[replica.masterIndex] ?? "", deadline);
      }
    }
    await waitUntilHealthy(everyNode(), Math.max(1_000, deadline - Date.now()));
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const seed = nodes[0];
  if (seed === undefined) throw new Error("unreachable: a cluster has at least one node");
  const all = everyNode();
  return {
    nodes,
    replicas,
    ...(certificates === undefined ? {} : { certificates }),
    seedUrl: seed.url,
    urls: nodes.map((node) => node.url),
    startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
    waitUntilHealthy: (timeoutMs = DEFAULT_HEALTHY_TIMEOUT_MS) => waitUntilHealthy(all, timeoutMs),
    currentMasters: () => currentMasters(all),
    announcePort: (node, port, timeoutMs = DEFAULT_HEALTHY_TIMEOUT_MS) =>
      announcePort(all, node, port, timeoutMs),
    stop,
  };
}
