/**
 * A wrong password or an unknown ACL user is not an outage: calls reject within their deadline
 * saying authentication failed, with the server's reply as `cause`, and nothing anywhere
 * (message, cause, log) holds the password. The driver's client does not retry in a tight
 * loop. On a server of its own with an ACL user.
 */
import { inspect } from "node:util";
import {
  type ApiKeyCacheBackend,
  type ApiKeyCacheError,
  isApiKeyCacheError,
  type RedisDriver,
} from "@apikey/core";
import { redisCommand } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallerClientBackendFactory,
  closeCallerClientBackend,
} from "./caller-client-backend.js";
import { recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const PASSWORD = "s3cret-pw";
const WRONG_PASSWORD = "hunter2-wrong";
const TIMEOUT_MS = 600;

async function failureOf(
  backend: ApiKeyCacheBackend,
): Promise<{ error: ApiKeyCacheError; ms: number }> {
  const startedAt = performance.now();
  const error = await backend.get("k").then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isApiKeyCacheError(error)) {
    throw new Error(`expected an ApiKeyCacheError, got ${String(error)}`);
  }
  return { error, ms: performance.now() - startedAt };
}

/** Register the authentication-failure checks of `driver` (and of a caller's client, if given). */
export function describeRedisAuthFailure(
  name: string,
  driver: RedisDriver,
  callerClientBackend: CallerClientBackendFactory | undefined,
): void {
  describe(`${name}: authentication failures`, () => {
    const server = useRedisServer({
      spawn: true,
      config: [`user alice on >${PASSWORD} ~* +@all`],
    });
    const open: Array<{ close(): Promise<void> }> = [];
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((part) => part.close()));
    });
    const urlFor = (user: string, password: string): string =>
      `redis://${user}:${password}@${server.host}:${server.port}`;
    const backendFor = (url: string, commandTimeoutMs = TIMEOUT_MS) => {
      const logger = recordingLogger();
      const backend = driver.createBackend({
        url,
        keyPrefix: redisTestPrefix("auth"),
        logger,
        commandTimeoutMs,
      });
      open.push(backend);
      return { backend, logger };
    };
    const connectionsReceived = async (): Promise<number> => {
      const info = String(await redisCommand(server.url, "INFO", "stats"));
      return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
    };

    it.each([
      ["a wrong password", "alice"],
      ["an unknown ACL user", "mallory"],
    ])(
      "%s: the call says authentication failed, with the server's reply as cause",
      async (_, user) => {
        const { backend, logger } = backendFor(urlFor(user, WRONG_PASSWORD));
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

    if (callerClientBackend !== undefined) {
      it("a caller's client with a wrong password gets the same error", async () => {
        const built = callerClientBackend({
          url: urlFor("alice", WRONG_PASSWORD),
          keyPrefix: redisTestPrefix("auth"),
          logger: recordingLogger(),
          commandTimeoutMs: TIMEOUT_MS,
        });
        open.push({ close: () => closeCallerClientBackend(built) });
        const { error } = await failureOf(built.backend);
        expect(error.message).toMatch(/authentication failed/);
        expect((error.cause as Error).message).toMatch(/WRONGPASS/);
        expect(inspect(error.cause, { depth: 8 })).not.toContain(WRONG_PASSWORD);
      });
    }

    it("a client the driver owns, refused by the server, waits the longest backoff between attempts", async () => {
      const before = await connectionsReceived();
      backendFor(urlFor("alice", WRONG_PASSWORD));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // Steps of 50 or 100 ms doubling would make five or six attempts here; after a refusal
      // the backoff starts at its 2 s cap: the first attempt and at most two more.
      const attempts = (await connectionsReceived()) - before - 1;
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(attempts).toBeLessThanOrEqual(3);
    });

    it("the right password works", async () => {
      const { backend } = backendFor(urlFor("alice", PASSWORD), 2000);
      await backend.set("k", { apiKey: "k", active: true }, 60);
      expect(await backend.get("k")).toEqual({ apiKey: "k", active: true });
      await backend.clear();
    });
  });
}
