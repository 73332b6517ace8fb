/**
 * A Redis Sentinel deployment for tests: one master, its replicas and 1–3 sentinels, each a
 * throwaway redis-server on a free loopback port (sentinels run `redis-server --sentinel`, the
 * same binary as the `redis-sentinel` command). The tricky point is startup order: sentinels
 * start only once every replica is in sync, so their first INFO of the master already lists
 * the replicas (otherwise they would wait for the next INFO, up to 10 s, before a failover
 * could promote one). Every wait is bounded.
 */
import { ApiKeyCacheError } from "@apikey/core";
import { type RedisServerHandle, startRedisServer } from "./redis-server.js";
import type { RespReply } from "./resp-codec.js";
import { type RedisEndpoint, redisCommandWithOptions } from "./resp-connection.js";
import { startTcpFaultProxy, type TcpFaultProxy } from "./tcp-fault-proxy.js";

/** Options of {@link startRedisSentinelGroup}. */
export interface StartRedisSentinelGroupOptions {
  /** The master's name the sentinels monitor. @default "mymaster" */
  masterName?: string;
  /** Number of replicas. @default 1 */
  replicas?: number;
  /** Number of sentinels, 1 to 3; the quorum is a majority of them. @default 1 */
  sentinels?: number;
  /** `sentinel down-after-milliseconds`: how long the master may be silent. @default 1000 */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. @default 3000 */
  failoverTimeoutMs?: number;
  /** Longest the whole start may take. @default 20000 */
  startTimeoutMs?: number;
  /**
   * Put a `startTcpFaultProxy` in front of the master and have the sentinels monitor the
   * proxy, so clients (which connect where the sentinels say) reach the master through it;
   * replicas replicate directly. The sentinels' own links go through it too: keep
   * `downAfterMs` well above a fault you inject there, unless a failover is the point.
   * @default false
   */
  masterProxy?: boolean;
}

/** A running Sentinel group. */
export interface RedisSentinelGroupHandle {
  readonly masterName: string;
  /** The servers that were master and replicas at start (a failover swaps their roles). */
  readonly master: RedisServerHandle;
  readonly replicas: readonly RedisServerHandle[];
  readonly sentinels: readonly RedisServerHandle[];
  /** The proxy in front of the master, with `masterProxy: true`. */
  readonly masterProxy: TcpFaultProxy | undefined;
  /** `redis+sentinel://127.0.0.1:<p1>,127.0.0.1:<p2>/<masterName>` */
  readonly url: string;
  /** The master address the first answering sentinel gives now. */
  currentMaster(): Promise<RedisEndpoint>;
  /** Resolve once the sentinels name a master other than `previous`; rejects after `timeoutMs`. */
  waitForNewMaster(previous: RedisEndpoint, timeoutMs: number): Promise<RedisEndpoint>;
  /** Stop every process of the group. Idempotent. */
  stop(): Promise<void>;
}

const POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(POLL_MS);
  }
  throw new ApiKeyCacheError(
    "E_BACKEND_UNAVAILABLE",
    `Sentinel group: ${what} did not happen in time`,
    {
      cause: lastError,
    },
  );
}

function field(info: RespReply, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, "m").exec(String(info));
  return match?.[1]?.trim();
}

/**
 * Start a master, `replicas` replicas in sync with it, and `sentinels` sentinels that monitor
 * it and see every replica. Call `stop()` when done; the processes die with the test process.
 */
export async function startRedisSentinelGroup(
  options: StartRedisSentinelGroupOptions = {},
): Promise<RedisSentinelGroupHandle> {
  const masterName = options.masterName ?? "mymaster";
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 1;
  if (!Number.isInteger(sentinelCount) || sentinelCount < 1 || sentinelCount > 3) {
    throw new ApiKeyCacheError("E_CONFIG", `sentinels must be 1, 2 or 3, got ${sentinelCount}`);
  }
  if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > 5) {
    throw new ApiKeyCacheError("E_CONFIG", `replicas must be 1 to 5, got ${replicaCount}`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(masterName)) {
    throw new ApiKeyCacheError("E_CONFIG", `masterName must be letters, digits, . _ or -`);
  }
  const downAfterMs = options.downAfterMs ?? 1000;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? 3000;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  const started: RedisServerHandle[] = [];
  let masterProxy: TcpFaultProxy | undefined;
  const stopAll = async (): Promise<void> => {
    await masterProxy?.close();
    await Promise.all(started.map((server) => server.stop().catch(() => {})));
  };
  try {
    const master = await startRedisServer({
      config: ["repl-diskless-sync yes", "repl-diskless-sync-delay 0"],
    });
    started.push(master);
    const replicas: RedisServerHandle[] = [];
    for (let index = 0; index < replicaCount; index += 1) {
      const replica = await startRedisServer({
        config: [`replicaof ${master.host} ${master.port}`, "repl-diskless-load on-empty-db"],
      });
      started.push(replica);
      replicas.push(replica);
    }
    for (const replica of replicas) {
      await waitUntil(`replica ${replica.port} in sync`, deadline, async () => {
        const info = await redisCommandWithOptions(replica, ["INFO", "replication"], {
          timeoutMs: 1000,
        });
        return field(info, "master_link_status") === "up";
      });
    }
    if (options.masterProxy === true) {
      masterProxy = await startTcpFaultProxy({ target: { host: master.host, port: master.port } });
    }
    const monitored = masterProxy === undefined ? master.port : masterProxy.port;
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinels: RedisServerHandle[] = [];
    for (let index = 0; index < sentinelCount; index += 1) {
      const sentinel = await startRedisServer({
        sentinel: true,
        config: [
          `sentinel monitor ${masterName} ${master.host} ${monitored} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} ${failoverTimeoutMs}`,
          `sentinel parallel-syncs ${masterName} 1`,
        ],
      });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) {
      await waitUntil(
        `sentinel ${sentinel.port} seeing every replica and sentinel`,
        deadline,
        async () => {
          const reply = await redisCommandWithOptions(
            sentinel,
            ["SENTINEL", "MASTER", masterName],
            {
              timeoutMs: 1000,
            },
          );
          const fields = Array.isArray(reply) ? reply.map(String) : [];
          const value = (name: string): number => Number(fields[fields.indexOf(name) + 1] ?? "0");
          return (
            value("num-slaves") >= replicaCount && value("num-other-sentinels") >= sentinelCount - 1
          );
        },
      );
    }
    return new SentinelGroup(masterName, master, replicas, sentinels, masterProxy, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

class SentinelGroup implements RedisSentinelGroupHandle {
  readonly url: string;
  #stopped = false;

  constructor(
    readonly masterName: string,
    readonly master: RedisServerHandle,
    readonly replicas: readonly RedisServerHandle[],
    readonly sentinels: readonly RedisServerHandle[],
    readonly masterProxy: TcpFaultProxy | undefined,
    readonly stopAll: () => Promise<void>,
  ) {
    this.url = `redis+sentinel://${sentinels.map((s) => `${s.host}:${s.port}`).join(",")}/${masterName}`;
  }

  async currentMaster(): Promise<RedisEndpoint> {
    let lastError: unknown;
    for (const sentinel of this.sentinels) {
      if (!sentinel.running) continue;
      try {
        const reply = await redisCommandWithOptions(
          sentinel,
          ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", this.masterName],
          { timeoutMs: 1000 },
        );
        if (Array.isArray(reply) && reply.length === 2) {
          return { host: String(reply[0]), port: Number(reply[1]) };
        }
      } catch (error) {
        lastError = error;
      }
    }
    throw new ApiKeyCacheError("E_BACKEND_UNAVAILABLE", "No sentinel named the master", {
      cause: lastError,
    });
  }

  async waitForNewMaster(previous: RedisEndpoint, timeoutMs: number): Promise<RedisEndpoint> {
    let current: RedisEndpoint = previous;
    await waitUntil(
      `a failover away from ${previous.host}:${previous.port}`,
      Date.now() + timeoutMs,
      async () => {
        current = await this.currentMaster();
        return current.port !== previous.port || current.host !== previous.host;
      },
    );
    return current;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.stopAll();
  }
}
