/**
 * The Redis URL forms and connection settings the drivers share: Sentinel URLs, the database
 * index, the TLS option and the combinations refused before any socket exists, and the
 * explanation added to a refused database or a failed TLS handshake.
 */
import { describe, expect, it } from "vitest";
import {
  explainConnectionError,
  parseRedisUrl,
  resolveRedisDriverOptions,
} from "../src/redis/index.js";

function configError(run: () => unknown): Error {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({ code: "E_CONFIG" });
  return caught as Error;
}

describe("redis+sentinel:// URLs", () => {
  it("reads sentinels, master name, credentials and database", () => {
    expect(
      parseRedisUrl("redis+sentinel://u:p%40ss@127.0.0.1:26380,[::1],h3:26382/mymaster/3", "t"),
    ).toEqual({
      host: "127.0.0.1",
      port: 26380,
      username: "u",
      password: "p@ss",
      tls: false,
      database: 3,
      sentinel: {
        name: "mymaster",
        nodes: [
          { host: "127.0.0.1", port: 26380 },
          { host: "::1", port: 26379 },
          { host: "h3", port: 26382 },
        ],
      },
      address: "sentinel:mymaster@127.0.0.1:26380,::1:26379,h3:26382",
    });
    expect(parseRedisUrl("redis+sentinel://h/m", "t")).toMatchObject({
      sentinel: { name: "m", nodes: [{ host: "h", port: 26379 }] },
    });
    expect(parseRedisUrl("redis+sentinel://h/m", "t").database).toBeUndefined();
  });

  it.each([
    ["redis+sentinel://u:hunter2@h:26379", "names no master"],
    ["redis+sentinel://u:hunter2@/m", "names no sentinel host"],
    ["redis+sentinel://u:hunter2@h:99999/m", "is not a host[:port]"],
    ["redis+sentinel://u:hunter2@h/m/3/x", "more than a master name"],
    ["redis+sentinel://u:hunter2@h/m/abc", "must be a database index"],
    ["rediss+sentinel://u:hunter2@h/m", "not supported"],
  ])("refuses %s (%s) without quoting the password", (url, what) => {
    const error = configError(() => parseRedisUrl(url, "owner"));
    expect(error.message).toContain(what);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("the database index of a URL", () => {
  it("is a whole number; an empty path or / names none", () => {
    expect(parseRedisUrl("redis://h:1/0", "t").database).toBe(0);
    expect(parseRedisUrl("redis://h:1/15", "t").database).toBe(15);
    expect(parseRedisUrl("redis://h:1/", "t").database).toBeUndefined();
  });

  it.each([
    "redis://:hunter2@h:1/abc",
    "redis://h:1/-1",
    "redis://h:1/2147483648",
    "redis://h/1/2",
  ])("%s is E_CONFIG saying the path must be a database index", (url) => {
    const error = configError(() => parseRedisUrl(url, "owner"));
    expect(error.message).toContain("must be a database index");
    expect(error.message).not.toContain("hunter2");
  });

  it("on a cluster is E_CONFIG (a cluster has only database 0), /0 is fine", () => {
    const error = configError(() =>
      resolveRedisDriverOptions({ url: "redis://h:1/3", cluster: true }, "owner"),
    );
    expect(error.message).toContain("database 3");
    expect(error.message).toContain("only database 0");
    expect(resolveRedisDriverOptions({ url: "redis://h:1/0", cluster: true }, "o").cluster).toBe(
      true,
    );
  });
});

describe("the tls and sentinel options", () => {
  it("a rediss:// URL resolves tls to the given settings, or {}", () => {
    expect(resolveRedisDriverOptions({ url: "rediss://h:1" }, "o").tls).toEqual({});
    const tls = {
      ca: "CA",
      cert: "C",
      key: "K",
      servername: "localhost",
      rejectUnauthorized: true,
    };
    expect(resolveRedisDriverOptions({ url: "rediss://h:1", tls }, "o").tls).toBe(tls);
    expect(resolveRedisDriverOptions({ url: "redis://h:1" }, "o").tls).toBeUndefined();
  });

  it.each([
    [{ url: "redis://h:1", tls: {} }, "need a rediss:// URL"],
    [{ url: "rediss://h:1", tls: "yes" }, "tls must be an object"],
    [{ url: "rediss://h:1", tls: { ca: 3 } }, "tls.ca must be PEM"],
    [{ url: "rediss://h:1", tls: { ca: [] } }, "tls.ca must be PEM"],
    [{ url: "rediss://h:1", tls: { cert: "SECRET-CERT" } }, "cert and key go together"],
    [{ url: "rediss://h:1", tls: { cert: "C", key: 5 } }, "tls.key must be PEM"],
    [{ url: "rediss://h:1", tls: { servername: "" } }, "tls.servername must be"],
    [{ url: "rediss://h:1", tls: { rejectUnauthorized: "no" } }, "tls.rejectUnauthorized must be"],
    [{ url: "rediss://h:1", tls: { passphrase: "SECRET" } }, 'unknown field "passphrase"'],
    [{ url: "redis://h:1", sentinelPassword: "SECRET" }, "is for a redis+sentinel:// URL"],
    [{ url: "redis+sentinel://h/m", sentinelPassword: "" }, "sentinelPassword must be"],
    [{ url: "redis+sentinel://h/m", cluster: true }, "not found through Sentinel"],
  ])("%j is E_CONFIG: %s, never quoting a value", (options, what) => {
    const error = configError(() =>
      resolveRedisDriverOptions(options as Parameters<typeof resolveRedisDriverOptions>[0], "o"),
    );
    expect(error.message).toContain(what);
    expect(error.message).not.toContain("SECRET");
  });

  it("a Sentinel URL resolves the sentinels' credentials", () => {
    expect(
      resolveRedisDriverOptions(
        { url: "redis+sentinel://h/m", sentinelPassword: "pw", sentinelUsername: "u" },
        "o",
      ).sentinelAuth,
    ).toEqual({ username: "u", password: "pw" });
    expect(resolveRedisDriverOptions({ url: "redis+sentinel://h/m" }, "o").sentinelAuth).toEqual(
      {},
    );
  });
});

describe("explainConnectionError", () => {
  it("names the refused database index, once", () => {
    const error = new Error("ERR DB index is out of range");
    expect(explainConnectionError(error, parseRedisUrl("redis://h:1/99", "t"))).toBe(true);
    expect(error.message).toMatch(
      /^Redis refused database 99 of the URL \(SELECT 99: ERR DB index/,
    );
    expect(explainConnectionError(error, parseRedisUrl("redis://h:1/99", "t"))).toBe(false);
  });

  it("says a rediss:// connect timeout or TLS error is the TLS handshake", () => {
    const tls = parseRedisUrl("rediss://:hunter2@127.0.0.1:6380", "t");
    const timeout = new Error("Connection timeout");
    expect(explainConnectionError(timeout, tls)).toBe(true);
    expect(timeout.message).toContain("TLS handshake with 127.0.0.1:6380 did not complete");
    const refused = Object.assign(new Error("self-signed certificate"), {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
    expect(explainConnectionError(refused, tls)).toBe(true);
    expect(refused.message).toBe(
      "TLS handshake with 127.0.0.1:6380 failed: self-signed certificate",
    );
    const reset = Object.assign(new Error("write ECONNRESET"), { code: "ECONNRESET" });
    expect(explainConnectionError(reset, tls)).toBe(true);
    expect(reset.message).toContain("TLS connection to 127.0.0.1:6380 reset by the server");
    expect(reset.message).toContain("client certificate");
    expect(`${timeout.message}${refused.message}${reset.message}`).not.toContain("hunter2");
  });

  it("leaves other errors alone", () => {
    const error = new Error("connect ECONNREFUSED 127.0.0.1:1");
    expect(explainConnectionError(error, parseRedisUrl("rediss://h:1", "t"))).toBe(false);
    expect(
      explainConnectionError(new Error("Connection timeout"), parseRedisUrl("redis://h:1", "t")),
    ).toBe(false);
    expect(explainConnectionError("text", parseRedisUrl("redis://h:1/3", "t"))).toBe(false);
    expect(error.message).toBe("connect ECONNREFUSED 127.0.0.1:1");
  });
});
