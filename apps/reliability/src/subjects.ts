/**
 * The backends under test, each as two instances sharing one store (two processes' worth:
 * revocations are issued on instance A, requests go to both), built the way an application
 * builds them (`buildApiKeyCacheBackend` with a driver: owned clients, safe defaults). The
 * memory backend has no shared store, so it is one instance.
 */
import {
  type ApiKeyCacheBackend,
  type ApiKeyCacheLogger,
  type ApiKeyResolver,
  buildApiKeyCacheBackend,
  createApiKeyResolver,
  type RedisDriver,
  silentLogger,
} from "@apikey/core";
import { ioredisDriver } from "@apikey/redis-ioredis";
import { nodeRedisDriver } from "@apikey/redis-node";
import type { KeyDatabase } from "./key-database.js";

export type SubjectKind =
  | "memory"
  | "redis-ioredis"
  | "redis-node"
  | "tiered-ioredis"
  | "tiered-node";

export const REDIS_KINDS: readonly SubjectKind[] = [
  "redis-ioredis",
  "redis-node",
  "tiered-ioredis",
  "tiered-node",
];
export const TIERED_KINDS: readonly SubjectKind[] = ["tiered-ioredis", "tiered-node"];

/** Resolver settings every subject uses (the library defaults unless noted). */
export const RESOLVER_SETTINGS = {
  ttlSeconds: 60,
  negativeTtlSeconds: 30,
  /** Library default: a cache read past 100 ms is bypassed. */
  timeoutMs: 100,
  writeTimeoutMs: 1_000,
} as const;

/** The tiered backends' L1 lifetime: the bound on a peer serving a revoked key without the bus. */
export const LOCAL_TTL_SECONDS = 2;

export interface SubjectInstance {
  readonly backend: ApiKeyCacheBackend;
  readonly resolver: ApiKeyResolver;
}

export interface Subject {
  readonly kind: SubjectKind;
  readonly keyPrefix: string;
  readonly database: KeyDatabase;
  readonly instances: readonly SubjectInstance[];
  close(): Promise<void>;
}

export interface SubjectOptions {
  readonly redisUrl?: string;
  readonly keyPrefix: string;
  readonly database: KeyDatabase;
  readonly maxEntries?: number;
  /** `redisUrl` is a seed node of a Redis Cluster (`cluster: true` of the builder). */
  readonly cluster?: boolean;
}

function driverOf(kind: SubjectKind): RedisDriver | undefined {
  if (kind.endsWith("-ioredis")) return ioredisDriver;
  if (kind.endsWith("-node")) return nodeRedisDriver;
  return undefined;
}

/**
 * `RELIABILITY_LOG=kind[,kind]` (or `all`): that subject's backends and resolvers log to
 * stderr, each line stamped with the process uptime and the instance, to trace a failed check.
 */
function loggerFor(kind: SubjectKind, instance: number): ApiKeyCacheLogger {
  const wanted = process.env.RELIABILITY_LOG?.split(",") ?? [];
  if (!wanted.includes(kind) && !wanted.includes("all")) return silentLogger;
  const write =
    (level: string) =>
    (message: string, ...details: unknown[]): void => {
      const extra = details.map((detail) =>
        detail instanceof Error ? `${detail.name}: ${detail.message}` : String(detail),
      );
      process.stderr.write(
        `${performance.now().toFixed(0)} ${kind}#${instance} ${level} ${message} ${extra.join(" ")}\n`,
      );
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

export function buildSubject(kind: SubjectKind, options: SubjectOptions): Subject {
  const driver = driverOf(kind);
  const count = kind === "memory" ? 1 : 2;
  const instances: SubjectInstance[] = [];
  for (let i = 0; i < count; i++) {
    const backend = buildApiKeyCacheBackend({
      backend: kind === "memory" ? "memory" : kind.startsWith("tiered") ? "tiered" : "redis",
      redisUrl: options.redisUrl,
      redisKeyPrefix: options.keyPrefix,
      redis: driver,
      onMissingRedisUrl: "throw",
      localTtlSeconds: LOCAL_TTL_SECONDS,
      logger: loggerFor(kind, i),
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    });
    const resolver = createApiKeyResolver({
      backend,
      load: options.database.load,
      logger: loggerFor(kind, i),
      ...RESOLVER_SETTINGS,
    });
    instances.push({ backend, resolver });
  }
  return {
    kind,
    keyPrefix: options.keyPrefix,
    database: options.database,
    instances,
    close: async () => {
      await Promise.allSettled(instances.map((instance) => instance.backend.close()));
    },
  };
}
