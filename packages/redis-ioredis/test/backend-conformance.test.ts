/**
 * The shared conformance suite, on a standalone server through caller-supplied clients (ioredis
 * defaults) and on a 3-master cluster through the driver (its own clients, safe defaults).
 */
import { describeBackendConformance } from "@apikey/conformance";
import { silentLogger } from "@apikey/core";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { IoredisApiKeyCacheBackend, ioredisDriver } from "../src/index.js";
import { testPrefix } from "./support/test-prefix.js";

describe("standalone server, caller-supplied clients", () => {
  const server = useRedisServer();
  let client: Redis;
  let peerClient: Redis;
  beforeAll(() => {
    client = new Redis(server.url);
    peerClient = new Redis(server.url);
  });
  afterAll(async () => {
    await Promise.all([client.quit(), peerClient.quit()]);
  });

  describeBackendConformance("IoredisApiKeyCacheBackend (standalone)", {
    createBackend: () =>
      new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger: silentLogger }),
    createPeer: (backend) =>
      new IoredisApiKeyCacheBackend(peerClient, {
        keyPrefix: backend.keyPrefix,
        logger: silentLogger,
      }),
    dispose: async (backend) => {
      // The backend may already be closed: clear its namespace through a fresh one.
      const cleaner = new IoredisApiKeyCacheBackend(client, { keyPrefix: backend.keyPrefix });
      await cleaner.clear();
      await Promise.all([cleaner.close(), backend.close()]);
    },
    capabilities: { sharedBetweenInstances: true },
  });
});

describe("3-master cluster, driver-owned clients", () => {
  const cluster = useRedisCluster();

  const create = (keyPrefix: string): IoredisApiKeyCacheBackend =>
    ioredisDriver.createBackend({
      url: cluster.seedUrl,
      cluster: true,
      keyPrefix,
      logger: silentLogger,
    }) as IoredisApiKeyCacheBackend;

  describeBackendConformance("IoredisApiKeyCacheBackend (cluster)", {
    createBackend: () => create(testPrefix()),
    createPeer: (backend) => create(backend.keyPrefix),
    dispose: async (backend) => {
      const cleaner = create(backend.keyPrefix);
      await cleaner.clear();
      await Promise.all([cleaner.close(), backend.close()]);
    },
    capabilities: { sharedBetweenInstances: true },
  });
});
