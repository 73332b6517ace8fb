import { describe, expect, it } from "vitest";
import {
  DemoConfigError,
  databaseKind,
  describeDatabase,
  effectiveBackend,
  loadConfig,
} from "../src/config.js";

describe("loadConfig", () => {
  it("defaults to memory on 127.0.0.1:3000 with two workers and authentication on", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      workers: 2,
      cacheBackend: "memory",
      redisClient: "ioredis",
      redisUrl: "",
      redisKeyPrefix: "apikey:",
      cacheTtlSeconds: 60,
      revokeWait: false,
      auth: true,
    });
  });

  it("reads every variable, trimmed and case-insensitive for names", () => {
    const config = loadConfig({
      APIKEY_CACHE_BACKEND: " Tiered ",
      APIKEY_REDIS_CLIENT: "node-redis",
      REDIS_URL: "redis://127.0.0.1:7000",
      APIKEY_REDIS_KEY_PREFIX: "game:apikey:",
      APIKEY_CACHE_TTL_SECONDS: "2.5",
      APIKEY_REVOKE_WAIT: "true",
      APIKEY_AUTH: "off",
      WORKERS: "4",
      PORT: "0",
    });
    expect(config).toMatchObject({
      cacheBackend: "tiered",
      redisClient: "node-redis",
      redisUrl: "redis://127.0.0.1:7000",
      redisKeyPrefix: "game:apikey:",
      cacheTtlSeconds: 2.5,
      revokeWait: true,
      auth: false,
      workers: 4,
      port: 0,
    });
  });

  it.each([
    ["APIKEY_CACHE_BACKEND", "memcached", "memory, redis, tiered"],
    ["APIKEY_REDIS_CLIENT", "redis-py", "ioredis, node-redis"],
    ["APIKEY_AUTH", "maybe", "on"],
    ["APIKEY_REVOKE_WAIT", "sometimes", "true"],
    ["APIKEY_CACHE_TTL_SECONDS", "NaN", "seconds"],
    ["APIKEY_CACHE_TTL_SECONDS", "-1", "seconds"],
    ["WORKERS", "0", "1 to 64"],
    ["PORT", "http", "0 to 65535"],
    ["REDIS_URL", "localhost:6379", "redis://"],
    ["DATABASE_URL", "mysql://127.0.0.1/test", "postgres://"],
    ["DATABASE_SCHEMA", "Robert'); DROP", "lower-case letters"],
  ])("%s=%s fails naming the variable and the allowed values", (variable, value, allowed) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DemoConfigError);
    expect((thrown as DemoConfigError).variable).toBe(variable);
    expect((thrown as Error).message).toContain(variable);
    expect((thrown as Error).message).toContain(allowed);
  });

  it("runs redis and tiered as memory when REDIS_URL is empty", () => {
    expect(effectiveBackend(loadConfig({ APIKEY_CACHE_BACKEND: "redis" }))).toBe("memory");
    expect(effectiveBackend(loadConfig({ APIKEY_CACHE_BACKEND: "tiered", REDIS_URL: " " }))).toBe(
      "memory",
    );
    expect(
      effectiveBackend(loadConfig({ APIKEY_CACHE_BACKEND: "redis", REDIS_URL: "redis://x:1" })),
    ).toBe("redis");
  });

  it("selects SQLite without DATABASE_URL and PostgreSQL with one, and never quotes its password", () => {
    const sqlite = loadConfig({ DATA_DIR: "/tmp/x" });
    expect(databaseKind(sqlite)).toBe("sqlite");
    expect(describeDatabase(sqlite)).toBe("sqlite /tmp/x/apikeys.sqlite");
    const postgres = loadConfig({
      DATABASE_URL: "postgres://demo:s3cret-pw@db.internal:6543/keys",
      DATABASE_SCHEMA: "demo_1",
    });
    expect(databaseKind(postgres)).toBe("postgres");
    expect(describeDatabase(postgres)).toBe("postgres db.internal:6543/keys, schema demo_1");
    let thrown: unknown;
    try {
      loadConfig({ DATABASE_URL: "postgress://demo:s3cret-pw@db/keys" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DemoConfigError);
    expect((thrown as Error).message).not.toContain("s3cret-pw");
  });
});
