import { describeBackendConformance } from "@apikey/conformance";
import { silentLogger } from "@apikey/core";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import type { RedisClientType } from "redis";
import { beforeAll } from "vitest";
import { NodeRedisApiKeyCacheBackend } from "../src/index.js";
import { connectedClient, randomPrefix } from "./test-clients.js";

const redis = useRedisServer();
let client: RedisClientType;
let peerClient: RedisClientType;

beforeAll(async () => {
  client = await connectedClient(redis.url);
  peerClient = await connectedClient(redis.url);
});

describeBackendConformance("NodeRedisApiKeyCacheBackend (standalone)", {
  createBackend: () =>
    new NodeRedisApiKeyCacheBackend(client, { keyPrefix: randomPrefix(), logger: silentLogger }),
  createPeer: (backend) =>
    new NodeRedisApiKeyCacheBackend(peerClient, {
      keyPrefix: backend.keyPrefix,
      logger: silentLogger,
    }),
  dispose: async (backend) => {
    await backend.clear();
    await backend.close();
  },
  capabilities: { sharedBetweenInstances: true },
});
