/** The client-free helpers of the Redis engine: URL parsing and redaction, error kinds, backoff. */
import { describe, expect, it } from "vitest";
import {
  isAuthError,
  MAX_RECONNECT_DELAY_MS,
  nextSubscriberNode,
  parseRedisUrl,
  RECONNECT_JITTER_MS,
  reconnectDelayAfter,
  redactUrlCredentials,
  safeCause,
} from "../src/redis/index.js";

describe("parseRedisUrl", () => {
  it("reads host, port, credentials, TLS and database", () => {
    expect(parseRedisUrl("rediss://u%40x:p%3Aw@[::1]:6380/2", "t")).toEqual({
      host: "::1",
      port: 6380,
      username: "u@x",
      password: "p:w",
      tls: true,
      database: 2,
      address: "::1:6380",
    });
    expect(parseRedisUrl("redis://localhost", "t")).toMatchObject({
      host: "localhost",
      port: 6379,
      tls: false,
      address: "localhost:6379",
    });
  });

  it.each([
    "https://user:hunter2@example.invalid",
    "redis//user:hunter2@127.0.0.1",
    "user:hunter2",
  ])("rejects %s with E_CONFIG and never quotes the password", (url) => {
    let caught: unknown;
    try {
      parseRedisUrl(url, "owner");
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "E_CONFIG" });
    expect(String((caught as Error).message)).toContain("owner: url must be a redis://");
    expect(String((caught as Error).message)).not.toContain("hunter2");
  });
});

describe("redaction and error kinds", () => {
  it("redactUrlCredentials replaces every user:password@ of URLs in a text", () => {
    expect(redactUrlCredentials("a redis://u:pw@h:1 and rediss://:pw2@h2 b")).toBe(
      "a redis://<redacted>@h:1 and rediss://<redacted>@h2 b",
    );
  });

  it("safeCause keeps name and redacted message only", () => {
    const error = Object.assign(new TypeError("dial redis://u:pw@h failed"), {
      command: { name: "auth", args: ["u", "pw"] },
    });
    const cause = safeCause(error);
    expect(cause.name).toBe("TypeError");
    expect(cause.message).toBe("dial redis://<redacted>@h failed");
    expect(Object.keys(cause)).not.toContain("command");
  });

  it("isAuthError recognises WRONGPASS, NOAUTH and a cluster's wrapped node error", () => {
    expect(isAuthError(new Error("WRONGPASS invalid username-password pair"))).toBe(true);
    expect(isAuthError(new Error("NOAUTH Authentication required."))).toBe(true);
    const wrapped = Object.assign(new Error("Failed to refresh slots cache."), {
      lastNodeError: new Error("WRONGPASS invalid username-password pair"),
    });
    expect(isAuthError(wrapped)).toBe(true);
    expect(isAuthError(new Error("connect ECONNREFUSED 127.0.0.1:1"))).toBe(false);
    expect(isAuthError(undefined)).toBe(false);
  });

  it("reconnectDelayAfter waits the longest delay after an authentication failure only", () => {
    for (let attempt = 1; attempt < 4; attempt++) {
      const afterAuth = reconnectDelayAfter(attempt, new Error("WRONGPASS x"));
      expect(afterAuth).toBeGreaterThanOrEqual(MAX_RECONNECT_DELAY_MS);
      expect(afterAuth).toBeLessThan(MAX_RECONNECT_DELAY_MS + RECONNECT_JITTER_MS);
      expect(reconnectDelayAfter(attempt, new Error("ECONNREFUSED"))).toBeLessThan(
        50 * 2 ** (attempt - 1) + RECONNECT_JITTER_MS,
      );
    }
  });
});

describe("nextSubscriberNode", () => {
  const a = { host: "127.0.0.1", port: 7000, ready: true };
  const b = { host: "127.0.0.1", port: 7001, ready: false };
  const c = { host: "127.0.0.1", port: 7002, ready: true };
  it("picks a ready node other than the one just lost", () => {
    for (const random of [0, 0.5, 0.999]) {
      const next = nextSubscriberNode([a, b, c], { host: a.host, port: a.port }, () => random);
      expect(next).toEqual(c);
    }
  });
  it("falls back to a node that is not ready, and stays when there is no other node", () => {
    expect(nextSubscriberNode([a, b], { host: a.host, port: a.port })).toEqual(b);
    expect(nextSubscriberNode([a], { host: a.host, port: a.port })).toBeUndefined();
    expect(nextSubscriberNode([], undefined)).toBeUndefined();
  });
});
