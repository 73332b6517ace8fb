/**
 * The demo's configuration, read from the environment once at start. Every bad value fails
 * here with a {@link DemoConfigError} naming the variable and what it accepts, so a typo stops
 * the service at boot instead of silently changing how it authenticates.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BACKEND_NAMES, type BackendName } from "@apikey/core";
import type { KeyStoreKind } from "./key-store/key-store.js";
import { postgresLocation } from "./key-store/postgres-location.js";

/** The Redis client packages the demo can drive. */
export const REDIS_CLIENT_NAMES: readonly ["ioredis", "node-redis"] = ["ioredis", "node-redis"];
/** A Redis client package name. */
export type RedisClientName = (typeof REDIS_CLIENT_NAMES)[number];

/** The demo's whole configuration. */
export interface DemoConfig {
  /** `HOST`. @default "127.0.0.1" */
  host: string;
  /** `PORT`; 0 picks a free port. @default 3000 */
  port: number;
  /** `WORKERS`: worker processes behind the port. @default 2 */
  workers: number;
  /** `DATA_DIR`: folder of the SQLite database. @default apps/demo/data */
  dataDir: string;
  /** `DATABASE_URL`: a `postgres://` URL selects PostgreSQL; empty means SQLite in `dataDir`. */
  databaseUrl: string;
  /** `DATABASE_SCHEMA`: PostgreSQL schema of the `api_keys` table. @default "public" */
  databaseSchema: string;
  /** `APIKEY_CACHE_BACKEND`. @default "memory" */
  cacheBackend: BackendName;
  /** `APIKEY_REDIS_CLIENT`. @default "ioredis" */
  redisClient: RedisClientName;
  /** `REDIS_URL`; empty means none (redis/tiered then fall back to memory with a warning). */
  redisUrl: string;
  /** `APIKEY_REDIS_KEY_PREFIX`. @default "apikey:" */
  redisKeyPrefix: string;
  /** `APIKEY_CACHE_TTL_SECONDS`: lifetime of a cached lookup. @default 60 */
  cacheTtlSeconds: number;
  /** `APIKEY_NEGATIVE_TTL_SECONDS`: lifetime of a cached "unknown key". @default 30 */
  negativeTtlSeconds: number;
  /** `APIKEY_LOCAL_TTL_SECONDS`: the tiered backend's L1 lifetime. @default 5 */
  localTtlSeconds: number;
  /** `APIKEY_CACHE_TIMEOUT_MS`: a cache slower than this is bypassed for reads. @default 100 */
  cacheTimeoutMs: number;
  /** `APIKEY_REVOKE_WAIT`: tiered only, revoke waits out the L1 staleness bound. @default false */
  revokeWait: boolean;
  /** `APIKEY_AUTH`: `off` disables authentication of `/v1` (benchmark baseline only). @default true */
  auth: boolean;
  /** `SHUTDOWN_TIMEOUT_MS`: how long a graceful shutdown may take. @default 10000 */
  shutdownTimeoutMs: number;
}

/** A configuration value that cannot be used; `variable` names the environment variable. */
export class DemoConfigError extends Error {
  override readonly name: string = "DemoConfigError";
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/** Where the database lives unless `DATA_DIR` says otherwise: `apps/demo/data`. */
export const DEFAULT_DATA_DIR: string = join(fileURLToPath(new URL("..", import.meta.url)), "data");

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Read the configuration from `env`.
 * @throws DemoConfigError for the first bad value, naming the variable and the allowed values.
 */
export function loadConfig(env: Env = process.env): DemoConfig {
  return {
    host: text(env, "HOST", "127.0.0.1"),
    port: integer(env, "PORT", 3000, 0, 65_535),
    workers: integer(env, "WORKERS", 2, 1, 64),
    dataDir: text(env, "DATA_DIR", DEFAULT_DATA_DIR),
    databaseUrl: databaseUrl(env),
    databaseSchema: databaseSchema(env),
    cacheBackend: oneOf(env, "APIKEY_CACHE_BACKEND", BACKEND_NAMES, "memory"),
    redisClient: oneOf(env, "APIKEY_REDIS_CLIENT", REDIS_CLIENT_NAMES, "ioredis"),
    redisUrl: redisUrl(env),
    redisKeyPrefix: text(env, "APIKEY_REDIS_KEY_PREFIX", "apikey:"),
    cacheTtlSeconds: seconds(env, "APIKEY_CACHE_TTL_SECONDS", 60),
    negativeTtlSeconds: seconds(env, "APIKEY_NEGATIVE_TTL_SECONDS", 30),
    localTtlSeconds: seconds(env, "APIKEY_LOCAL_TTL_SECONDS", 5),
    cacheTimeoutMs: integer(env, "APIKEY_CACHE_TIMEOUT_MS", 100, 1, 60_000),
    revokeWait: flag(env, "APIKEY_REVOKE_WAIT", false),
    auth: flag(env, "APIKEY_AUTH", true),
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
  };
}

/**
 * The backend that actually runs: redis/tiered without a URL fall back to memory (the
 * reference's behaviour; `buildApiKeyCacheBackend` logs the warning).
 */
export function effectiveBackend(config: DemoConfig): BackendName {
  return config.cacheBackend !== "memory" && config.redisUrl === ""
    ? "memory"
    : config.cacheBackend;
}

/** The key store `config` selects. */
export function databaseKind(config: DemoConfig): KeyStoreKind {
  return config.databaseUrl === "" ? "sqlite" : "postgres";
}

/** The database in words, without any password: `sqlite <file>` or `postgres <host:port/db>`. */
export function describeDatabase(config: DemoConfig): string {
  if (databaseKind(config) === "sqlite") return `sqlite ${join(config.dataDir, "apikeys.sqlite")}`;
  const schema = config.databaseSchema === "public" ? "" : `, schema ${config.databaseSchema}`;
  return `postgres ${postgresLocation(config.databaseUrl)}${schema}`;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new DemoConfigError(
    name,
    `"${env[name]}" is not allowed; use one of: ${allowed.join(", ")} (default ${fallback})`,
  );
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new DemoConfigError(
      name,
      `"${value}" is not allowed; use a whole number from ${min} to ${max} (default ${fallback})`,
    );
  }
  return parsed;
}

function seconds(env: Env, name: string, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 86_400) {
    throw new DemoConfigError(
      name,
      `"${value}" is not allowed; use a number of seconds above 0 and at most 86400 (default ${fallback})`,
    );
  }
  return parsed;
}

const TRUE_WORDS = ["1", "true", "on", "yes"];
const FALSE_WORDS = ["0", "false", "off", "no"];

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new DemoConfigError(
    name,
    `"${env[name]}" is not allowed; use one of: ${[...TRUE_WORDS, ...FALSE_WORDS].join(", ")} (default ${fallback ? "on" : "off"})`,
  );
}

function redisUrl(env: Env): string {
  const value = raw(env, "REDIS_URL");
  if (value === undefined) return "";
  if (!/^rediss?:\/\//i.test(value)) {
    throw new DemoConfigError("REDIS_URL", "must start with redis:// or rediss://");
  }
  return value;
}

function databaseUrl(env: Env): string {
  const value = raw(env, "DATABASE_URL");
  if (value === undefined) return "";
  // The value may hold a password: the message never quotes it.
  if (!/^postgres(ql)?:\/\/[^/]/i.test(value)) {
    throw new DemoConfigError(
      "DATABASE_URL",
      "must start with postgres:// or postgresql:// (or be unset for SQLite in DATA_DIR)",
    );
  }
  return value;
}

function databaseSchema(env: Env): string {
  const value = raw(env, "DATABASE_SCHEMA");
  if (value === undefined) return "public";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new DemoConfigError(
      "DATABASE_SCHEMA",
      `"${value.slice(0, 70)}" is not allowed; use lower-case letters, digits and _ (not first), at most 63 (default public)`,
    );
  }
  return value;
}
