/**
 * Vitest fixtures: `useRedisServer()` / `useRedisCluster()` start a server (or cluster) in
 * `beforeAll` and stop it in `afterAll`, and return a handle that is usable from then on.
 * `REDIS_URL` points `useRedisServer()` at an existing server, unless the test asks to spawn
 * (fault injection needs a process it can signal).
 */
import { afterAll, beforeAll } from "vitest";
import {
  type RedisClusterHandle,
  type RedisClusterNode,
  type RedisClusterReplica,
  type StartRedisClusterOptions,
  startRedisCluster,
} from "../redis-cluster.js";
import {
  externalRedisServer,
  type RedisServerHandle,
  type StartRedisServerOptions,
  startRedisServer,
} from "../redis-server.js";
import type { RedisEndpoint } from "../resp-connection.js";

/** The environment variable naming an existing server for `useRedisServer()`. */
export const REDIS_URL_ENV = "REDIS_URL";

/** Hooks get the start deadline plus this, so the helper's own clear error wins the race. */
const HOOK_MARGIN_MS = 5_000;

/** Options of {@link useRedisServer}. */
export interface UseRedisServerOptions extends StartRedisServerOptions {
  /**
   * Always spawn a server, even when `REDIS_URL` is set. Tests that kill, pause or restart
   * the server must set it.
   * @default false
   */
  spawn?: boolean;
}

function notStarted(what: string): Error {
  return new Error(
    `The ${what} is not started yet: read it inside a test or a hook registered after use${what === "cluster" ? "RedisCluster" : "RedisServer"}(), not at collection time.`,
  );
}

/** A server handle that forwards to whichever server `get()` returns. */
function forwardingServer(get: () => RedisServerHandle): RedisServerHandle {
  return {
    get tls() {
      return get().tls;
    },
    get url() {
      return get().url;
    },
    get host() {
      return get().host;
    },
    get port() {
      return get().port;
    },
    get spawned() {
      return get().spawned;
    },
    get pid() {
      return get().pid;
    },
    get running() {
      return get().running;
    },
    logs: () => get().logs(),
    kill: () => get().kill(),
    pause: () => get().pause(),
    resume: () => get().resume(),
    restart: () => get().restart(),
    stop: () => get().stop(),
  };
}

/**
 * Start a throwaway redis-server before the tests of the enclosing suite (or file) and stop
 * it after them. With `REDIS_URL` set (and `spawn` not), the handle points at that server.
 *
 * ```ts
 * const redis = useRedisServer();
 * it("answers", async () => expect(await redisCommand(redis.url, "PING")).toBe("PONG"));
 * ```
 */
export function useRedisServer(options: UseRedisServerOptions = {}): RedisServerHandle {
  let server: RedisServerHandle | undefined;
  const { spawn, ...startOptions } = options;
  beforeAll(
    async () => {
      const external = process.env[REDIS_URL_ENV];
      server =
        spawn !== true && external !== undefined && external !== ""
          ? externalRedisServer(external)
          : await startRedisServer(startOptions);
    },
    (startOptions.startTimeoutMs ?? 10_000) + HOOK_MARGIN_MS,
  );
  afterAll(async () => {
    await server?.stop();
  }, HOOK_MARGIN_MS * 2);
  return forwardingServer(() => {
    if (server === undefined) throw notStarted("server");
    return server;
  });
}

/**
 * Start a throwaway Redis Cluster (3 masters by default) before the tests of the enclosing
 * suite (or file) and stop it after them. It always spawns.
 */
export function useRedisCluster(options: StartRedisClusterOptions = {}): RedisClusterHandle {
  let cluster: RedisClusterHandle | undefined;
  beforeAll(
    async () => {
      cluster = await startRedisCluster(options);
    },
    (options.startTimeoutMs ?? 30_000) + HOOK_MARGIN_MS,
  );
  afterAll(async () => {
    await cluster?.stop();
  }, HOOK_MARGIN_MS * 2);
  const get = (): RedisClusterHandle => {
    if (cluster === undefined) throw notStarted("cluster");
    return cluster;
  };
  return {
    get nodes(): readonly RedisClusterNode[] {
      return get().nodes;
    },
    get replicas(): readonly RedisClusterReplica[] {
      return get().replicas;
    },
    get certificates() {
      return get().certificates;
    },
    get seedUrl(): string {
      return get().seedUrl;
    },
    get urls(): readonly string[] {
      return get().urls;
    },
    get startupNodes(): readonly RedisEndpoint[] {
      return get().startupNodes;
    },
    waitUntilHealthy: (timeoutMs?: number) => get().waitUntilHealthy(timeoutMs),
    currentMasters: () => get().currentMasters(),
    announcePort: (node, port, timeoutMs) => get().announcePort(node, port, timeoutMs),
    stop: () => get().stop(),
  };
}
