/**
 * Every Redis-level conformance suite over ioredis (driver-owned clients), plus the backend
 * suite once more over caller-supplied clients with ioredis defaults (offline queue on,
 * resend of unfulfilled commands on): the path an application takes when it passes its own.
 */
import { describeBackendConformance } from "@apikey/conformance";
import { describeRedisDriverConformance } from "@apikey/conformance/redis";
import { silentLogger } from "@apikey/core";
import { killRedisClients } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect } from "vitest";
import {
  IoredisApiKeyCacheBackend,
  type IoredisInvalidationBus,
  ioredisDriver,
} from "../src/index.js";
import { ioredisCallerClientBackend } from "./support/caller-client-backend.js";
import { testPrefix } from "./support/test-prefix.js";

describeRedisDriverConformance(ioredisDriver, {
  // Exactly this bus's subscriber connection, found by its local address in CLIENT LIST.
  breakSubscriberConnection: async (bus, server) => {
    const { stream } = (bus as IoredisInvalidationBus).subscriber;
    const address = `${stream.localAddress}:${stream.localPort}`;
    expect(await killRedisClients(server.url, (client) => client.addr === address)).toBe(1);
  },
  callerClientBackend: ioredisCallerClientBackend,
  isBackendClientReady: (backend) =>
    (backend as IoredisApiKeyCacheBackend).client.status === "ready",
});

describe("caller-supplied clients with ioredis defaults", () => {
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

  describeBackendConformance("IoredisApiKeyCacheBackend (standalone, caller clients)", {
    createBackend: () =>
      new IoredisApiKeyCacheBackend(client, { keyPrefix: testPrefix(), logger: silentLogger }),
    createPeer: (backend) =>
      new IoredisApiKeyCacheBackend(peerClient, {
        keyPrefix: backend.keyPrefix,
        logger: silentLogger,
      }),
    dispose: async (backend) => {
      // The backend may already be closed: clear its namespace through a fresh one.
      await backend.close();
      const cleaner = new IoredisApiKeyCacheBackend(client, { keyPrefix: backend.keyPrefix });
      await cleaner.clear();
      await cleaner.close();
    },
    capabilities: { sharedBetweenInstances: true },
  });
});
