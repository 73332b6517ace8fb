/**
 * A wrong password or an unknown ACL user is not an outage: calls reject within their deadline
 * saying authentication failed, with the server's reply as `cause`, and nothing anywhere
 * (message, cause, log) holds the password. The client does not retry in a tight loop.
 */
import { inspect } from "node:util";
import { type ApiKeyCacheBackend, type ApiKeyCacheError, isApiKeyCacheError } from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { NodeRedisApiKeyCacheBackend, nodeRedisDriver } from "../src/index.js";
import { recordingLogger } from "./support/recording-logger.js";
import { randomPrefix as testPrefix } from "./test-clients.js";

const PASSWORD = "s3cret-pw";
const WRONG_PASSWORD = "hunter2-wrong";
const TIMEOUT_MS = 600;
const server = useRedisServer({ spawn: true, config: [`user alice on >${PASSWORD} ~* +@all`] });

const open: ApiKeyCacheBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

function urlFor(user: string, password: string): string {
  return `redis://${user}:${password}@${server.host}:${server.port}`;
}

async function failureOf(
  backend: ApiKeyCacheBackend,
): Promise<{ error: ApiKeyCacheError; ms: number }> {
  const startedAt = performance.now();
  const error = await backend.get("k").then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isApiKeyCacheError(error))
    throw new Error(`expected an ApiKeyCacheError, got ${String(error)}`);
  return { error, ms: performance.now() - startedAt };
}

async function connectionsReceived(): Promise<number> {
  const info = String(await redisCommand(server.url, "INFO", "stats"));
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

describe("authentication failures", () => {
  it.each([
    ["a wrong password", "alice"],
    ["an unknown ACL user", "mallory"],
  ])(
    "%s: the call says authentication failed, with the server's reply as cause",
    async (_, user) => {
      const logger = recordingLogger();
      const backend = nodeRedisDriver.createBackend({
        url: urlFor(user, WRONG_PASSWORD),
        keyPrefix: testPrefix(),
        logger,
        commandTimeoutMs: TIMEOUT_MS,
      });
      open.push(backend);
      const { error, ms } = await failureOf(backend);
      expect(error.code).toBe("E_BACKEND_UNAVAILABLE");
      expect(error.message).toMatch(/authentication failed/);
      expect(error.message).not.toMatch(/not connected/);
      expect((error.cause as Error).message).toMatch(/WRONGPASS/);
      // Within the deadline, with room for a loaded machine.
      expect(ms).toBeLessThan(TIMEOUT_MS + 500);
      const everything = inspect([error, error.cause, logger.lines], { depth: 8 });
      expect(everything).not.toContain(WRONG_PASSWORD);
    },
  );

  it("a caller's client with a wrong password gets the same error", async () => {
    const client = createClient({
      url: urlFor("alice", WRONG_PASSWORD),
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 200 },
    });
    client.on("error", () => {});
    client.connect().catch(() => {});
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: testPrefix(),
      logger: recordingLogger(),
      commandTimeoutMs: TIMEOUT_MS,
    });
    try {
      const { error } = await failureOf(backend);
      expect(error.message).toMatch(/authentication failed/);
      expect((error.cause as Error).message).toMatch(/WRONGPASS/);
      expect(inspect(error.cause, { depth: 8 })).not.toContain(WRONG_PASSWORD);
    } finally {
      await backend.close();
      client.destroy();
    }
  });

  it("an owned client refused by the server waits the longest backoff between attempts", async () => {
    const before = await connectionsReceived();
    const backend = nodeRedisDriver.createBackend({
      url: urlFor("alice", WRONG_PASSWORD),
      keyPrefix: testPrefix(),
      logger: recordingLogger(),
      commandTimeoutMs: TIMEOUT_MS,
    });
    open.push(backend);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // 100, 200, 400, 800 ms steps would make five attempts here; after a refusal the
    // backoff starts at its 2 s cap: the first attempt and at most two more.
    const attempts = (await connectionsReceived()) - before - 1;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(3);
  });

  it("the right password works", async () => {
    const backend = nodeRedisDriver.createBackend({
      url: urlFor("alice", PASSWORD),
      keyPrefix: testPrefix(),
      logger: recordingLogger(),
      commandTimeoutMs: 2000,
    });
    open.push(backend);
    await backend.set("k", { apiKey: "k", active: true }, 60);
    expect(await backend.get("k")).toEqual({ apiKey: "k", active: true });
    await backend.clear();
  });
});
