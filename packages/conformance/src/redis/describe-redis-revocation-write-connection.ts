/**
 * The dedicated write connection of `revocationReplicas`, on the servers of
 * `describe-redis-revocation-replicas.ts`: with a replica paused (SIGSTOP), a revoke's `WAIT`
 * blocks until its timeout, and a read or a record write issued meanwhile completes before
 * it, promptly (the WAIT has a connection of its own); the revokes of one tick share one
 * `WAIT`; a first revoke that timed out waiting for the new connection does not stall the next;
 * the extra connection is opened by the first revoke and closed by `close()`, which
 * leaves no socket behind (`CLIENT LIST` before and after), for a driver's client and for a
 * caller's own client (which the backend leaves open).
 */
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  createApiKeyResolver,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import {
  listRedisClients,
  type RedisClusterHandle,
  type RedisServerHandle,
  RespConnection,
  redisCommand,
} from "@apikey/redis-test-server";
import { expect, it } from "vitest";
import type { CallerClientBackendFactory } from "./caller-client-backend.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

/** Deadlines of these checks: the WAIT blocks long enough that "promptly" is unambiguous. */
const COMMAND_TIMEOUT_MS = 2000;
const WAIT_TIMEOUT_MS = 1500;
/** A read beside a blocked WAIT must take far less than the WAIT (loaded CI included). */
const PROMPT_MS = 500;
/** How long the server may take to drop the sockets a closed backend released. */
const RELEASE_BOUND_MS = 3000;
const record = { apiKey: "sk_waitconn", active: true };
const revocationReplicas = { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS };

/** The replica pair of the enclosing suite, read once its `beforeAll` ran. */
export interface ReplicaPairFixture {
  master(): RedisServerHandle;
  replica(): RedisServerHandle;
  /** Close `backend` after the test (the suite's `afterEach`). */
  track(backend: ApiKeyCacheBackend): void;
}

/** The cluster of the enclosing suite. */
export interface ReplicaClusterFixture {
  cluster(): RedisClusterHandle;
  track(backend: ApiKeyCacheBackend): void;
  /** `perMaster` keys of each master's slots, without `prefix`. */
  keysPerMaster(prefix: string, perMaster: number): string[][];
}

/** Register the master-with-replica checks (inside the suite that starts the pair). */
export function describeWriteConnectionOnMasterWithReplica(
  driver: RedisDriver,
  fixture: ReplicaPairFixture,
  callerClientBackend: CallerClientBackendFactory | undefined,
): void {
  const backendFor = (keyPrefix: string): ApiKeyCacheBackend => {
    const backend = driver.createBackend({
      url: fixture.master().url,
      keyPrefix,
      logger: silentLogger,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      revocationReplicas,
    });
    fixture.track(backend);
    return backend;
  };

  it("a read and a record write issued while a revoke's WAIT is pending (replica paused) complete promptly, before it", async () => {
    const backend = backendFor(redisTestPrefix("waitconn-read"));
    const resolver = resolverOver(backend);
    await backend.set("present", record, 60);
    await resolver.revoke("warm"); // both connections up, the replica acknowledging
    fixture.replica().pause();
    const revoke = settledLater(resolver.revoke("blocked"));
    await waitUntilBlockedInWait(fixture.master());
    const read = await timed(backend.get("present"));
    const write = await timed(backend.set("other", record, 60));
    expect(read.value).toEqual(record);
    expect(read.elapsedMs).toBeLessThan(PROMPT_MS);
    expect(write.elapsedMs).toBeLessThan(PROMPT_MS);
    expect(revoke.settled()).toBe(false);
    const outcome = await revoke.outcome;
    expect(outcome).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
    expect((outcome as Error).message).toMatch(/reached 0 of the 1 replica/);
  });

  it("the revokes of one tick share one WAIT, and each is acknowledged", async () => {
    const keyPrefix = redisTestPrefix("waitconn-batch");
    const backend = backendFor(keyPrefix);
    const resolver = resolverOver(backend);
    await resolver.revoke("warm");
    const before = await waitCalls(fixture.master());
    const keys = Array.from({ length: 8 }, (_, i) => `b${i}`);
    await Promise.all(keys.map((key) => resolver.revoke(key)));
    expect(await waitCalls(fixture.master())).toBe(before + 1);
    for (const key of keys) {
      expect(await redisCommand(fixture.replica().url, "GET", `${keyPrefix}${key}`)).not.toBeNull();
    }
  });

  it("a first revoke that missed its deadline waiting for the write connection (master paused) does not hold back the next one", async () => {
    const backend = backendFor(redisTestPrefix("waitconn-late"));
    const resolver = resolverOver(backend);
    await backend.get("absent"); // the command connection is up
    const master = fixture.master();
    master.pause();
    try {
      const first = await settledLater(backend.delete("late1")).outcome;
      expect(first).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
    } finally {
      master.resume();
    }
    await resolver.revoke("late2");
  });

  it("the write connection is opened by the first revoke and closed by close(): CLIENT LIST is back to what it was", async () => {
    const master = fixture.master();
    const before = await clientIds([master]);
    const backend = backendFor(redisTestPrefix("waitconn-close"));
    await backend.get("absent");
    expect(await newClients([master], before)).toHaveLength(1);
    await resolverOver(backend).revoke("c1");
    expect(await newClients([master], before)).toHaveLength(2);
    await backend.close();
    await expectReleased([master], before);
  });

  if (callerClientBackend !== undefined) {
    it("over a caller's own client: close() closes the write connection it opened and leaves the caller's client open", async () => {
      const master = fixture.master();
      const before = await clientIds([master]);
      const built = callerClientBackend({
        url: master.url,
        keyPrefix: redisTestPrefix("waitconn-caller"),
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        revocationReplicas,
      });
      try {
        await built.backend.get("absent");
        const callerOwn = await newClients([master], before);
        expect(callerOwn).toHaveLength(1);
        await resolverOver(built.backend).revoke("c2");
        expect(await newClients([master], before)).toHaveLength(2);
        await built.backend.close();
        await expectReleased([master], new Set([...before, ...callerOwn]));
        expect(await newClients([master], before)).toEqual(callerOwn);
      } finally {
        await built.backend.close();
        await built.closeClient();
      }
    });
  }
}

/** Register the cluster checks (inside the suite that starts the cluster). */
export function describeWriteConnectionOnCluster(
  driver: RedisDriver,
  fixture: ReplicaClusterFixture,
): void {
  it("on a cluster, a read of a master whose revoke is blocked in WAIT (its replica paused) completes promptly; close() leaves no socket on any node", async () => {
    const cluster = fixture.cluster();
    const nodes = [...cluster.nodes, ...cluster.replicas];
    const before = await clientIds(nodes);
    const keyPrefix = redisTestPrefix("waitconn-cluster");
    const backend = driver.createBackend({
      url: cluster.seedUrl,
      cluster: true,
      keyPrefix,
      logger: silentLogger,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      revocationReplicas,
    });
    fixture.track(backend);
    const resolver = resolverOver(backend);
    const perMaster = fixture.keysPerMaster(keyPrefix, 5);
    const [onFirst = []] = perMaster;
    const [present, warm, blocked] = onFirst as [string, string, string];
    await backend.set(present, record, 60);
    await resolver.revoke(warm);
    // Revokes of several slots and masters at once: one batch (and WAIT) per master.
    const together = perMaster.flatMap((keys) => keys.slice(3));
    await Promise.all(together.map((key) => resolver.revoke(key)));
    for (const [index, keys] of perMaster.entries()) {
      const replica = cluster.replicas.find((r) => r.masterIndex === index);
      for (const key of keys.slice(3)) {
        const connection = await RespConnection.open(replica as RedisServerHandle);
        try {
          await connection.command(["READONLY"]);
          expect(await connection.command(["GET", `${keyPrefix}${key}`])).not.toBeNull();
        } finally {
          connection.close();
        }
      }
    }
    const afterFirstRevoke = await newClients(nodes, before);
    const paused = cluster.replicas.find((replica) => replica.masterIndex === 0);
    const master = cluster.nodes[0];
    if (paused === undefined || master === undefined) throw new Error("no master 0 with a replica");
    paused.pause();
    try {
      const revoke = settledLater(resolver.revoke(blocked));
      await waitUntilBlockedInWait(master);
      const read = await timed(backend.get(present));
      expect(read.value).toEqual(record);
      expect(read.elapsedMs).toBeLessThan(PROMPT_MS);
      expect(revoke.settled()).toBe(false);
      expect(await revoke.outcome).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
    } finally {
      paused.resume();
    }
    // The write connection is a second cluster client: one more socket at least on master 0.
    expect(afterFirstRevoke.length).toBeGreaterThanOrEqual(2);
    await backend.close();
    await expectReleased(nodes, before);
  }, 30_000);
}

function resolverOver(backend: ApiKeyCacheBackend): ApiKeyResolver {
  return createApiKeyResolver({
    backend,
    load: async () => record,
    writeTimeoutMs: COMMAND_TIMEOUT_MS + 500,
    logger: silentLogger,
  });
}

/** `work`, whose settling can be asked for without awaiting it; `outcome` never rejects. */
function settledLater(work: Promise<unknown>): {
  settled(): boolean;
  outcome: Promise<unknown>;
} {
  let settled = false;
  const outcome = work.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      return error;
    },
  );
  return { settled: () => settled, outcome };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await work;
  return { value, elapsedMs: performance.now() - started };
}

/** Poll (bounded) until a client of `server` is blocked in `WAIT` (`cmd=wait`, flag `b`). */
async function waitUntilBlockedInWait(server: RedisServerHandle): Promise<void> {
  const deadline = performance.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const clients = await listRedisClients(server.url);
    if (clients.some((client) => client.cmd === "wait" && client.flags?.includes("b"))) return;
    if (performance.now() >= deadline) throw new Error("no client got blocked in WAIT");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `WAIT` calls since the server started (`INFO commandstats`). */
async function waitCalls(server: RedisServerHandle): Promise<number> {
  const reply = String(await redisCommand(server.url, "INFO", "commandstats"));
  const match = /^cmdstat_wait:calls=(\d+)/m.exec(reply);
  return match === null ? 0 : Number(match[1]);
}

/** Ids of the client connections of `servers` (not the one asking, nor replication links). */
async function clientIds(servers: readonly RedisServerHandle[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const server of servers) {
    for (const client of await listRedisClients(server.url)) {
      if (
        client.cmd === "client|list" ||
        client.flags?.includes("S") ||
        client.flags?.includes("M")
      )
        continue;
      ids.add(`${server.port}/${client.id}`);
    }
  }
  return ids;
}

/** Connections of `servers` that were not in `before`, sorted. */
async function newClients(
  servers: readonly RedisServerHandle[],
  before: ReadonlySet<string>,
): Promise<string[]> {
  return [...(await clientIds(servers))].filter((id) => !before.has(id)).sort();
}

/** Poll (bounded) until `servers` hold no connection that was not in `before`. */
async function expectReleased(
  servers: readonly RedisServerHandle[],
  before: ReadonlySet<string>,
): Promise<void> {
  const deadline = performance.now() + RELEASE_BOUND_MS;
  let left = await newClients(servers, before);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await newClients(servers, before);
  }
  expect(left).toEqual([]);
}
