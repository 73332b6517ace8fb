/**
 * `revocationReplicas` on real servers: a master with one replica (`replicaof`), and a
 * 3-master cluster with one replica each. A revoke (the resolver's tombstone) and an
 * invalidate (the backend's delete) resolve only once the replica has the write; with the
 * replica paused (SIGSTOP) they reject with `E_BACKEND_UNAVAILABLE` within the backend's
 * deadline, and succeed when retried after it resumes; record writes never wait. On the
 * cluster, with one master's replica paused, only keys of that master's slots fail: the WAIT
 * went to the node that took the write.
 */
import {
  type ApiKeyCacheBackend,
  type ApiKeyResolver,
  buildApiKeyCacheBackend,
  createApiKeyResolver,
  encodeCachedApiKey,
  REVOKED_MARKER,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  RespConnection,
  redisCommand,
  splitSlots,
  startRedisCluster,
  startRedisServer,
} from "@apikey/redis-test-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CallerClientBackendFactory } from "./caller-client-backend.js";
import {
  describeWriteConnectionOnCluster,
  describeWriteConnectionOnMasterWithReplica,
} from "./describe-redis-revocation-write-connection.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 1000;
const WAIT_TIMEOUT_MS = 300;
/** A failed revoke must settle within the backend's deadline, plus scheduling slack. */
const FAIL_BOUND_MS = COMMAND_TIMEOUT_MS + 300;
const TOMBSTONE = encodeCachedApiKey(REVOKED_MARKER);
const record = { apiKey: "sk_wait", active: true };

/** Register the `revocationReplicas` checks of `driver`; they start the servers they pause. */
export function describeRedisRevocationReplicas(
  name: string,
  driver: RedisDriver,
  callerClientBackend?: CallerClientBackendFactory,
): void {
  describe(`${name}: revocationReplicas (WAIT after a revocation write)`, () => {
    it("a bad revocationReplicas is E_CONFIG from createBackend, naming the field", () => {
      const create = (revocationReplicas: { replicas: number; timeoutMs: number }) => () =>
        driver.createBackend({
          url: "redis://127.0.0.1:1",
          logger: silentLogger,
          commandTimeoutMs: 500,
          revocationReplicas,
        });
      expect(create({ replicas: 1, timeoutMs: 500 })).toThrow(
        expect.objectContaining({
          code: "E_CONFIG",
          message: expect.stringMatching(
            /revocationReplicas\.timeoutMs \(500\) must be below commandTimeoutMs \(500\)/,
          ),
        }),
      );
      expect(create({ replicas: 0.5, timeoutMs: 100 })).toThrow(
        /revocationReplicas\.replicas must be an integer >= 1/,
      );
    });
    describeOnMasterWithReplica(driver, callerClientBackend);
    describeOnClusterWithReplicas(driver);
  });
}

/** A resolver over `backend` whose revoke deadline is longer than the backend's. */
function resolverOver(backend: ApiKeyCacheBackend): ApiKeyResolver {
  return createApiKeyResolver({
    backend,
    load: async () => record,
    writeTimeoutMs: COMMAND_TIMEOUT_MS + 500,
    logger: silentLogger,
  });
}

/** The error `work` rejects with, and how long it took. */
async function failure(work: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  const error = await work.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  return { error, elapsedMs: performance.now() - started };
}

/** The value of `key` on a replica (READONLY first: a cluster replica would redirect a GET). */
async function readOnReplica(replica: RedisServerHandle, key: string): Promise<unknown> {
  const connection = await RespConnection.open(replica);
  try {
    await connection.command(["READONLY"]).catch(() => {});
    return await connection.command(["GET", key]);
  } finally {
    connection.close();
  }
}

function describeOnMasterWithReplica(
  driver: RedisDriver,
  callerClientBackend: CallerClientBackendFactory | undefined,
): void {
  describe("a master with one replica", () => {
    let master: RedisServerHandle;
    let replica: RedisServerHandle;
    const open: ApiKeyCacheBackend[] = [];
    beforeAll(async () => {
      master = await startRedisServer({
        config: ["repl-diskless-sync yes", "repl-diskless-sync-delay 0"],
      });
      replica = await startRedisServer({ config: [`replicaof ${master.host} ${master.port}`] });
      await waitForReplicaLink(master, replica);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([replica?.stop(), master?.stop()]);
    });
    afterEach(async () => {
      if (replica.running) replica.resume();
      await Promise.all(open.splice(0).map((backend) => backend.close()));
    });
    const keyPrefix = redisTestPrefix("wait");
    const backendWaitingFor = (
      replicas: number,
      commandTimeoutMs = COMMAND_TIMEOUT_MS,
      timeoutMs = WAIT_TIMEOUT_MS,
    ): ApiKeyCacheBackend => {
      const backend = driver.createBackend({
        url: master.url,
        keyPrefix,
        logger: silentLogger,
        commandTimeoutMs,
        revocationReplicas: { replicas, timeoutMs },
      });
      open.push(backend);
      return backend;
    };

    it("revoke resolves only once the replica has the tombstone", async () => {
      // Generous deadlines: the replica is paused for 150 ms and must catch up within them
      // even on a loaded machine.
      const backend = backendWaitingFor(1, 5000, 4000);
      const resolver = createApiKeyResolver({
        backend,
        load: async () => record,
        writeTimeoutMs: 6000,
        logger: silentLogger,
      });
      await resolver.revoke("warm"); // connected, replica acknowledging
      replica.pause();
      const started = performance.now();
      const revoke = resolver.revoke("k1");
      let settled = false;
      void revoke.then(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(settled).toBe(false);
      replica.resume();
      await revoke;
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      expect(await readOnReplica(replica, `${keyPrefix}k1`)).toBe(TOMBSTONE);
    });

    it("with the replica paused, revoke and invalidate fail in time with E_BACKEND_UNAVAILABLE; a retry after it resumes succeeds", async () => {
      const backend = backendWaitingFor(1);
      const resolver = resolverOver(backend);
      await backend.set("k2", record, 60);
      await resolver.revoke("warm");
      replica.pause();
      const revoke = await failure(resolver.revoke("k2"));
      expect(revoke.error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
      expect((revoke.error as Error).message).toMatch(
        /SET reached 0 of the 1 replica\(s\) revocationReplicas asks for within 300 ms/,
      );
      expect(revoke.elapsedMs).toBeGreaterThanOrEqual(WAIT_TIMEOUT_MS - 20);
      expect(revoke.elapsedMs).toBeLessThan(FAIL_BOUND_MS);
      const invalidate = await failure(resolver.invalidate("k3"));
      expect(invalidate.error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
      expect((invalidate.error as Error).message).toMatch(/UNLINK reached 0 of the 1 replica/);
      expect(invalidate.elapsedMs).toBeLessThan(FAIL_BOUND_MS);
      // A record write is no revocation: it does not wait for the paused replica.
      const started = performance.now();
      await backend.set("k4", record, 60);
      expect(performance.now() - started).toBeLessThan(WAIT_TIMEOUT_MS);
      // The master kept the tombstone; the retry is acknowledged once the replica is back.
      expect(await redisCommand(master.url, "GET", `${keyPrefix}k2`)).toBe(TOMBSTONE);
      replica.resume();
      await resolver.revoke("k2");
      expect(await readOnReplica(replica, `${keyPrefix}k2`)).toBe(TOMBSTONE);
    });

    it("through buildApiKeyCacheBackend's tiered backend: a paused replica fails the revoke, a retry after it resumes succeeds", async () => {
      const tieredPrefix = redisTestPrefix("wait-tiered");
      const tiered = buildApiKeyCacheBackend({
        backend: "tiered",
        redisUrl: master.url,
        redis: driver,
        redisKeyPrefix: tieredPrefix,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        revocationReplicas: { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS },
      });
      open.push(tiered);
      const resolver = resolverOver(tiered);
      await resolver.revoke("warm");
      replica.pause();
      const { error, elapsedMs } = await failure(resolver.revoke("t1"));
      expect(error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
      expect((error as Error).message).toMatch(/reached 0 of the 1 replica/);
      expect(elapsedMs).toBeLessThan(FAIL_BOUND_MS);
      replica.resume();
      await resolver.revoke("t1");
      expect(await readOnReplica(replica, `${tieredPrefix}t1`)).toBe(TOMBSTONE);
    });

    describeWriteConnectionOnMasterWithReplica(
      driver,
      { master: () => master, replica: () => replica, track: (backend) => open.push(backend) },
      callerClientBackend,
    );

    it("asking for more replicas than the master has fails every revoke, naming the count", async () => {
      const backend = backendWaitingFor(2);
      const { error, elapsedMs } = await failure(resolverOver(backend).revoke("k5"));
      expect(error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
      expect((error as Error).message).toMatch(/reached 1 of the 2 replica\(s\)/);
      expect(elapsedMs).toBeLessThan(FAIL_BOUND_MS);
    });
  });
}

function describeOnClusterWithReplicas(driver: RedisDriver): void {
  describe("a 3-master cluster with one replica each", () => {
    let cluster: RedisClusterHandle;
    const open: ApiKeyCacheBackend[] = [];
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3, replicas: 1 });
    }, 60_000);
    afterAll(() => cluster?.stop());
    afterEach(async () => {
      for (const replica of cluster.replicas) if (replica.running) replica.resume();
      await Promise.all(open.splice(0).map((backend) => backend.close()));
    });

    it("a revoke waits on the node that took the tombstone: a paused replica fails only its master's keys", async () => {
      const keyPrefix = redisTestPrefix("wait-cluster");
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        cluster: true,
        keyPrefix,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        revocationReplicas: { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS },
      });
      open.push(backend);
      const resolver = resolverOver(backend);
      const keys = keysPerMaster(keyPrefix, 3, 4);
      for (const [index, masterKeys] of keys.entries()) {
        const replica = cluster.replicas.find((r) => r.masterIndex === index);
        if (replica === undefined) throw new Error(`no replica for master ${index}`);
        for (const key of masterKeys) {
          await resolver.revoke(key);
          expect(await readOnReplica(replica, `${keyPrefix}${key}`)).toBe(TOMBSTONE);
        }
      }
      const paused = cluster.replicas.find((r) => r.masterIndex === 0);
      if (paused === undefined) throw new Error("no replica for master 0");
      paused.pause();
      try {
        for (const [index, masterKeys] of keys.entries()) {
          for (const key of masterKeys) {
            if (index === 0) {
              const { error, elapsedMs } = await failure(resolver.revoke(key));
              expect(error).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
              expect((error as Error).message).toMatch(/reached 0 of the 1 replica/);
              expect(elapsedMs).toBeLessThan(FAIL_BOUND_MS);
            } else {
              await resolver.revoke(key);
            }
          }
        }
      } finally {
        paused.resume();
      }
      for (const key of keys[0] ?? []) await resolver.revoke(key);
    }, 30_000);

    describeWriteConnectionOnCluster(driver, {
      cluster: () => cluster,
      track: (backend) => open.push(backend),
      keysPerMaster: (prefix, perMaster) => keysPerMaster(prefix, 3, perMaster),
    });
  });
}

/** `perMaster` keys (without the prefix) in the slot range of each of `masters` masters. */
function keysPerMaster(prefix: string, masters: number, perMaster: number): string[][] {
  const ranges = splitSlots(masters);
  const keys: string[][] = ranges.map(() => []);
  for (let i = 0; keys.some((list) => list.length < perMaster) && i < 10_000; i += 1) {
    const key = `k${i}`;
    const slot = clusterKeySlot(prefix + key);
    const index = ranges.findIndex(([first, last]) => slot >= first && slot <= last);
    const list = keys[index];
    if (list !== undefined && list.length < perMaster) list.push(key);
  }
  return keys;
}

/** Poll (bounded) until the master counts the replica as connected and its link is up. */
async function waitForReplicaLink(
  master: RedisServerHandle,
  replica: RedisServerHandle,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [onMaster, onReplica] = await Promise.all([
      redisCommand(master.url, "INFO", "replication"),
      redisCommand(replica.url, "INFO", "replication"),
    ]);
    if (
      /connected_slaves:1/.test(String(onMaster)) &&
      /master_link_status:up/.test(String(onReplica))
    ) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(`the replica did not sync within 15 s: ${String(onReplica)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
