/**
 * Every Redis-level suite for one `RedisDriver`, registered with one call: the backend suite
 * on a standalone server (batched reads on and off) and on a 3-master cluster, the batched
 * reads suite on both, the bus suite, the keyspace and wire
 * format (against a raw RESP reader and writer, and another driver if given), the tiered
 * suite, the resolver scenarios (revocation race, tombstone, tiered revocation race, the
 * refresh-ahead revocation race standalone and tiered, stale-if-error) and, on a server of
 * their own that they kill and pause, the faults and the resolver outage; then URL redaction,
 * nested-prefix warnings, `getWithTtl()`, authentication failures, resolver recovery,
 * missed writes, half-open sockets and `revocationReplicas` (a master with a replica, a cluster
 * with replicas), each on the servers it needs; and the deployments: the
 * database index of a URL, TLS with generated certificates (one server, and a cluster whose
 * nodes speak only TLS), and Sentinel (a master, a replica
 * and a sentinel; the master killed under traffic).
 * A client package's `test/conformance.test.ts` is this call plus its client-specific tests.
 */
import {
  type ApiKeyCacheBackend,
  invalidationChannel,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe } from "vitest";
import { describeInvalidationBusConformance } from "../bus/bus-conformance.js";
import { describeResolverOutage } from "../resolver/describe-resolver-outage.js";
import { describeResolverRevocationRace } from "../resolver/describe-resolver-revocation-race.js";
import { describeResolverStaleIfError } from "../resolver/describe-resolver-stale-if-error.js";
import { describeResolverTombstone } from "../resolver/describe-resolver-tombstone.js";
import { describeTieredRevocationRace } from "../resolver/describe-tiered-revocation-race.js";
import { describeRedisAuthFailure } from "./describe-redis-auth-failure.js";
import { describeRedisBackendConformance } from "./describe-redis-backend-conformance.js";
import { describeRedisClusterFailover } from "./describe-redis-cluster-failover.js";
import { describeRedisClusterFailoverLiveMasters } from "./describe-redis-cluster-failover-live-masters.js";
import { describeRedisClusterFailoverSpeed } from "./describe-redis-cluster-failover-speed.js";
import { describeRedisClusterReadBatching } from "./describe-redis-cluster-read-batching.js";
import { describeRedisDatabaseIndex } from "./describe-redis-database-index.js";
import {
  describeRedisClusterEvictionCheck,
  describeRedisEvictionChecks,
} from "./describe-redis-eviction-checks.js";
import { describeRedisFaults } from "./describe-redis-faults.js";
import { describeRedisGetWithTtl } from "./describe-redis-get-with-ttl.js";
import { describeRedisKeyspace } from "./describe-redis-keyspace.js";
import { describeRedisMissedWrite } from "./describe-redis-missed-write.js";
import { describeRedisNestedPrefixes } from "./describe-redis-nested-prefixes.js";
import { describeRedisReadBatching } from "./describe-redis-read-batching.js";
import { describeRedisReadScriptFallback } from "./describe-redis-read-script-fallback.js";
import { describeRedisRefreshAheadRaces } from "./describe-redis-refresh-ahead-races.js";
import { describeRedisResolverRecovery } from "./describe-redis-resolver-recovery.js";
import { describeRedisRevocationReplicas } from "./describe-redis-revocation-replicas.js";
import { describeRedisSentinelFailover } from "./describe-redis-sentinel-failover.js";
import { describeRedisTieredConformance } from "./describe-redis-tiered-conformance.js";
import { describeRedisTls } from "./describe-redis-tls.js";
import { describeRedisTlsCluster } from "./describe-redis-tls-cluster.js";
import { describeRedisUnresponsiveClusterNode } from "./describe-redis-unresponsive-cluster-node.js";
import { describeRedisUnresponsiveSentinelMaster } from "./describe-redis-unresponsive-sentinel-master.js";
import { describeRedisUnresponsiveSocket } from "./describe-redis-unresponsive-socket.js";
import { describeRedisUrlRedaction } from "./describe-redis-url-redaction.js";
import type { RedisDriverConformanceOptions } from "./redis-driver-conformance-options.js";
import { redisTestPrefix } from "./redis-test-prefix.js";
import { createRedisTieredPair } from "./redis-tiered-backend.js";

/**
 * Register every Redis-level conformance suite for `driver` with vitest, under
 * `describe("<driver.name>: Redis driver conformance")`. It starts its own servers and
 * cluster (`REDIS_URL` may stand in for the standalone one; faults always spawn).
 *
 * @example
 * // test/conformance.test.ts of a client package
 * describeRedisDriverConformance(myDriver, {
 *   breakSubscriberConnection: async (bus, server) => {
 *     const id = await (bus as MyBus).subscriberClientId();
 *     await redisCommand(server.url, "CLIENT", "KILL", "ID", String(id));
 *   },
 * });
 */
export function describeRedisDriverConformance(
  driver: RedisDriver,
  options: RedisDriverConformanceOptions = {},
): void {
  const name = driver.name;
  describe(`${name}: Redis driver conformance`, () => {
    describe("no server", () => {
      describeRedisUrlRedaction(name, driver);
      describeRedisNestedPrefixes(name, driver);
    });

    describe("standalone server", () => {
      const redis = useRedisServer();
      describeRedisBackendConformance(`${name} backend (standalone)`, driver, () => ({
        url: redis.url,
        cluster: false,
      }));
      describeRedisBackendConformance(
        `${name} backend (standalone, batchReads off)`,
        driver,
        () => ({
          url: redis.url,
          cluster: false,
          batchReads: false,
        }),
      );

      const channel = invalidationChannel(redisTestPrefix("bus"));
      const breakSubscriber = options.breakSubscriberConnection;
      describeInvalidationBusConformance(`${name} bus`, {
        createBus: () =>
          driver.createInvalidationBus({
            url: redis.url,
            channel,
            logger: silentLogger,
            commandTimeoutMs: 500,
          }),
        ...(breakSubscriber === undefined
          ? {}
          : { breakSubscriberConnection: (bus) => breakSubscriber(bus, redis) }),
      });

      describeRedisKeyspace(name, driver, redis, options.otherDriver);
      describeRedisTieredConformance(`${name} tiered`, { driver, redis });
      describeRedisGetWithTtl(name, driver, redis, options.callerClientBackend);

      /** A backend on its own connection (a process of its own, in effect). */
      const backendOn = (keyPrefix: string): ApiKeyCacheBackend =>
        driver.createBackend({ url: redis.url, keyPrefix, logger: silentLogger });
      describeResolverRevocationRace(`${name}: resolver revocation race`, {
        createBackends: () => {
          const keyPrefix = redisTestPrefix("race");
          return [backendOn(keyPrefix), backendOn(keyPrefix)];
        },
      });
      describeResolverTombstone(`${name}: resolver revocation tombstone`, {
        createPair: () => {
          const keyPrefix = redisTestPrefix("tombstone");
          return {
            backends: [backendOn(keyPrefix), backendOn(keyPrefix)],
            remainingTtlMs: async (key) =>
              Number(await redisCommand(redis.url, "PTTL", `${keyPrefix}${key}`)),
          };
        },
      });
      describeTieredRevocationRace(`${name}: revocation race through the tiered backend`, {
        createPair: (request) => createRedisTieredPair(driver, { url: redis.url, ...request }),
      });
      describeRedisRefreshAheadRaces(name, driver, redis);
      describeResolverStaleIfError(`${name}: resolver stale-if-error`, {
        createBackends: () => {
          const keyPrefix = redisTestPrefix("stale");
          return [backendOn(keyPrefix), backendOn(keyPrefix)];
        },
      });
    });

    describe("3-master cluster", () => {
      const cluster = useRedisCluster();
      describeRedisBackendConformance(`${name} backend (cluster)`, driver, () => ({
        url: cluster.seedUrl,
        cluster: true,
      }));
      describeRedisReadBatching(`${name}: batched reads (cluster)`, driver, () => ({
        url: cluster.seedUrl,
        cluster: true,
        nodeUrls: cluster.urls,
      }));
      describeRedisClusterEvictionCheck(name, driver, cluster);
    });

    describe("servers with an eviction policy", () => {
      describeRedisEvictionChecks(name, driver);
    });

    describeRedisClusterReadBatching(
      `${name}: batched reads per master (cluster of its own)`,
      driver,
    );
    describeRedisClusterFailover(name, driver);
    describeRedisClusterFailoverSpeed(name, driver);
    describeRedisClusterFailoverLiveMasters(name, driver);

    describe("a server the checks kill and pause", () => {
      const redis = useRedisServer({ spawn: true });
      // First, on a server no other check uses: they count the commands it runs.
      describeRedisReadBatching(
        `${name}: batched reads (standalone)`,
        driver,
        () => ({ url: redis.url, cluster: false, nodeUrls: [redis.url] }),
        { pause: () => redis.pause(), resume: () => redis.resume() },
      );
      describeRedisFaults(name, driver, redis, options.faultCommandTimeoutMs ?? 300);
      describeResolverOutage(`${name}: resolver while Redis is paused`, {
        createBackend: () =>
          driver.createBackend({
            url: redis.url,
            keyPrefix: redisTestPrefix("outage"),
            logger: silentLogger,
          }),
        pause: () => redis.pause(),
        resume: () => redis.resume(),
      });
    });

    describe("servers of their own", () => {
      describeRedisAuthFailure(name, driver, options.callerClientBackend);
      describeRedisReadScriptFallback(`${name}: batched reads without EVALSHA_RO`, driver);
      describeRedisResolverRecovery(name, driver);
      describeRedisUnresponsiveSocket(name, driver);
      describeRedisRevocationReplicas(name, driver, options.callerClientBackend);
      describeRedisUnresponsiveClusterNode(name, driver);
      describeRedisUnresponsiveSentinelMaster(name, driver);
      const isReady = options.isBackendClientReady;
      if (isReady !== undefined) describeRedisMissedWrite(name, driver, isReady);
    });

    describe("deployments: database index, TLS, Sentinel", () => {
      describeRedisDatabaseIndex(name, driver);
      describeRedisTls(name, driver);
      describeRedisTlsCluster(name, driver);
      describeRedisSentinelFailover(name, driver);
    });
  });
}
