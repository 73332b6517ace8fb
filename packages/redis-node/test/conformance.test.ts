/**
 * Every Redis-level conformance suite over node-redis (driver-owned clients), its wire format
 * checked against ioredis both ways, plus the backend suite once more over a caller's
 * connected client: the path an application takes when it passes its own.
 */
import { describeBackendConformance } from "@apikey/conformance";
import { describeRedisDriverConformance } from "@apikey/conformance/redis";
import { silentLogger } from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import type { RedisClientType } from "redis";
import { beforeAll, describe, expect } from "vitest";
import {
  NodeRedisApiKeyCacheBackend,
  type NodeRedisInvalidationBus,
  nodeRedisDriver,
} from "../src/index.js";
import { nodeRedisCallerClientBackend } from "./support/caller-client-backend.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

describeRedisDriverConformance(nodeRedisDriver, {
  otherDriver: ioredisDriver,
  // Exactly this bus's subscriber connection (CLIENT KILL TYPE pubsub would also cut the other
  // buses of a check, racing their own reconnects).
  breakSubscriberConnection: async (bus, server) => {
    const id = await (bus as NodeRedisInvalidationBus).subscriber.sendCommand(["CLIENT", "ID"]);
    expect(await redisCommand(server.url, "CLIENT", "KILL", "ID", String(id))).toBe(1);
  },
  callerClientBackend: nodeRedisCallerClientBackend,
  isBackendClientReady: (backend) => (backend as NodeRedisApiKeyCacheBackend).client.isReady,
});

describe("a caller's connected client", () => {
  const redis = useRedisServer();
  let client: RedisClientType;
  let peerClient: RedisClientType;
  beforeAll(async () => {
    client = await connectedClient(redis.url);
    peerClient = await connectedClient(redis.url);
  });

  describeBackendConformance("NodeRedisApiKeyCacheBackend (standalone, caller clients)", {
    createBackend: () =>
      new NodeRedisApiKeyCacheBackend(client, { keyPrefix: randomPrefix(), logger: silentLogger }),
    createPeer: (backend) =>
      new NodeRedisApiKeyCacheBackend(peerClient, {
        keyPrefix: backend.keyPrefix,
        logger: silentLogger,
      }),
    dispose: async (backend) => {
      // The backend may already be closed: clear its namespace through a fresh one.
      await backend.close();
      const cleaner = new NodeRedisApiKeyCacheBackend(client, {
        keyPrefix: backend.keyPrefix,
        logger: silentLogger,
      });
      await cleaner.clear();
      await cleaner.close();
    },
    capabilities: { sharedBetweenInstances: true },
  });
});
