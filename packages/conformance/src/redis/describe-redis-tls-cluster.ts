/**
 * A Redis Cluster whose nodes speak only TLS (clients, cluster bus and replication), reached
 * through a `rediss://` seed URL with `cluster: true` and the `tls` option: the driver's
 * backend discovers the other masters over TLS, writes and reads keys of every master's
 * slots, and a resolver's revoke stores the tombstone there (read back with a raw TLS
 * connection); with `revocationReplicas` the revoke waits for each master's replica over TLS.
 */
import {
  type ApiKeyCacheBackend,
  createApiKeyResolver,
  encodeCachedApiKey,
  REVOKED_MARKER,
  type RedisDriver,
  type RedisTlsOptions,
  silentLogger,
} from "@apikey/core";
import { clusterKeySlot } from "@apikey/core/redis";
import {
  type RedisClusterHandle,
  redisCommand,
  splitSlots,
  startRedisCluster,
} from "@apikey/redis-test-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisTestPrefix } from "./redis-test-prefix.js";

const COMMAND_TIMEOUT_MS = 1000;
const TOMBSTONE = encodeCachedApiKey(REVOKED_MARKER);

/** Register the TLS cluster checks of `driver`; they start their own TLS cluster. */
export function describeRedisTlsCluster(name: string, driver: RedisDriver): void {
  describe(`${name}: TLS cluster (rediss:// with cluster: true and the tls option)`, () => {
    let cluster: RedisClusterHandle;
    const open: ApiKeyCacheBackend[] = [];
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3, replicas: 1, tls: true });
    }, 60_000);
    afterAll(() => cluster?.stop());
    afterEach(async () => {
      await Promise.all(open.splice(0).map((backend) => backend.close()));
    });

    const tls = (): RedisTlsOptions => {
      const certificates = cluster.certificates;
      if (certificates === undefined) throw new Error("the TLS cluster has no certificates");
      return { ca: certificates.ca, servername: "localhost" };
    };
    const backendOn = (
      keyPrefix: string,
      revocationReplicas?: { replicas: number; timeoutMs: number },
    ): ApiKeyCacheBackend => {
      const backend = driver.createBackend({
        url: cluster.seedUrl,
        cluster: true,
        tls: tls(),
        keyPrefix,
        logger: silentLogger,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        ...(revocationReplicas === undefined ? {} : { revocationReplicas }),
      });
      open.push(backend);
      return backend;
    };
    /** The node serving `key`'s slot now, as started (no failover happens here). */
    const nodeOf = (key: string) => {
      const slot = clusterKeySlot(key);
      const index = splitSlots(cluster.nodes.length).findIndex(
        ([first, last]) => slot >= first && slot <= last,
      );
      const node = cluster.nodes[index];
      if (node === undefined) throw new Error(`no node for slot ${slot}`);
      return node;
    };

    it("writes, reads and revokes keys of every master's slots", async () => {
      expect(cluster.seedUrl).toMatch(/^rediss:\/\//);
      const keyPrefix = redisTestPrefix("tls-cluster");
      const backend = backendOn(keyPrefix);
      const keys = Array.from({ length: 12 }, (_, i) => `key${i}`);
      const masters = new Set(keys.map((key) => nodeOf(keyPrefix + key).port));
      expect(masters.size).toBe(3);
      for (const key of keys) {
        await backend.set(key, { apiKey: `sk_${key}`, active: true }, 60);
      }
      for (const key of keys) {
        expect(await backend.get(key)).toEqual({ apiKey: `sk_${key}`, active: true });
      }
      const resolver = createApiKeyResolver({
        backend,
        load: async (keyHash) => ({ apiKey: `loaded_${keyHash}`, active: true }),
        writeTimeoutMs: COMMAND_TIMEOUT_MS + 500,
        logger: silentLogger,
      });
      for (const key of keys) {
        await resolver.revoke(key);
        // Read back on the owning node over a raw TLS connection.
        expect(await redisCommand(nodeOf(keyPrefix + key), "GET", keyPrefix + key)).toBe(TOMBSTONE);
        expect(await backend.get(key)).toMatchObject({ active: false, state: "revoked" });
      }
    }, 30_000);

    it("with revocationReplicas, a revoke waits for the replica over TLS replication", async () => {
      const keyPrefix = redisTestPrefix("tls-cluster-wait");
      const backend = backendOn(keyPrefix, { replicas: 1, timeoutMs: 500 });
      const resolver = createApiKeyResolver({
        backend,
        load: async () => ({ apiKey: "sk_tls", active: true }),
        writeTimeoutMs: COMMAND_TIMEOUT_MS + 500,
        logger: silentLogger,
      });
      for (let i = 0; i < 6; i += 1) await resolver.revoke(`wait${i}`);
      for (let i = 0; i < 6; i += 1) {
        expect(await backend.get(`wait${i}`)).toMatchObject({ state: "revoked" });
      }
    }, 30_000);
  });
}
