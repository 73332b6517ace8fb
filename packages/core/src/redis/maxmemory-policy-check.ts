/**
 * The eviction check of a Redis backend: once connected, read `maxmemory-policy` (and
 * `maxmemory`) on every master and warn once if Redis may evict this cache's keys. Every entry
 * the cache writes has a TTL, so `volatile-*` policies evict its keys exactly as `allkeys-*`
 * do: a tombstone evicted early lets a load that read "active" before the revoke store its
 * record again (docs/architecture.md, "Eviction"). The tricky points: the check must never
 * fail or slow the backend (a renamed or disabled CONFIG, an ACL denial, a timeout: one debug
 * line, nothing else), and it runs once per backend, on the first ready, not per reconnect.
 */
import type { ApiKeyCacheLogger } from "../logger.js";
import type { RedisCommandConnection, RedisMasterNode } from "./redis-command-connection.js";
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { errorMessage, safeCause } from "./redis-errors.js";

/** What one master said: its policy and its memory limit in bytes (0: no limit). */
export interface MaxmemorySetting {
  readonly policy: string;
  readonly maxmemoryBytes: number;
}

/** True for a policy under which Redis may evict this cache's keys (all of them have a TTL). */
export function evictsCacheKeys(policy: string): boolean {
  return policy.startsWith("allkeys-") || policy.startsWith("volatile-");
}

/**
 * Read a `CONFIG GET maxmemory*` reply: a flat array of names and values (RESP2), or a map
 * (RESP3: a `Map` or a plain object, as clients return it). `undefined` if it names no policy.
 */
export function parseMaxmemoryReply(reply: unknown): MaxmemorySetting | undefined {
  const fields = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let index = 0; index + 1 < reply.length; index += 2) {
      fields.set(String(reply[index]), String(reply[index + 1]));
    }
  } else if (reply instanceof Map) {
    for (const [name, value] of reply) fields.set(String(name), String(value));
  } else if (typeof reply === "object" && reply !== null) {
    for (const [name, value] of Object.entries(reply)) fields.set(name, String(value));
  }
  const policy = fields.get("maxmemory-policy");
  if (policy === undefined) return undefined;
  const maxmemoryBytes = Number(fields.get("maxmemory") ?? "0");
  return { policy, maxmemoryBytes: Number.isFinite(maxmemoryBytes) ? maxmemoryBytes : 0 };
}

/** The warning for the masters whose policy evicts this cache's keys; `undefined` if none does. */
export function maxmemoryWarning(
  settings: readonly MaxmemorySetting[],
  owner: string,
): string | undefined {
  const evicting = settings.filter((setting) => evictsCacheKeys(setting.policy));
  if (evicting.length === 0) return undefined;
  const policies = [...new Set(evicting.map((setting) => setting.policy))].join(", ");
  const where = settings.length === 1 ? "" : ` on ${evicting.length} of ${settings.length} masters`;
  const unlimited = evicting.every((setting) => setting.maxmemoryBytes === 0)
    ? " (maxmemory is 0 now, so nothing is evicted until a limit is set)"
    : "";
  return (
    `${owner}: Redis maxmemory-policy is ${policies}${where}${unlimited}: under memory pressure Redis may evict this cache's entries, ` +
    "revocation tombstones included (every entry has a TTL, so volatile-* policies evict them like allkeys-*); " +
    "a revoked key whose tombstone was evicted can be served active again for up to ttlSeconds. " +
    "Use maxmemory-policy noeviction (writes then fail loudly instead) or give Redis memory headroom; " +
    "set checkMaxmemoryPolicy: false to skip this check"
  );
}

/**
 * Run the check once the connection is first ready (at once if it already is), in the
 * background. Returns the function that stops it (the backend's `close()`).
 */
export function watchMaxmemoryPolicy(
  connection: RedisCommandConnection,
  runner: RedisCommandRunner,
  logger: ApiKeyCacheLogger,
  owner: string,
): () => void {
  let started = false;
  let unlisten: () => void = () => {};
  const start = (): void => {
    if (started || runner.closed) return;
    started = true;
    unlisten();
    void checkMaxmemoryPolicy(connection, runner, logger, owner);
  };
  unlisten = connection.listen({ ready: start, lost: () => {} });
  if (connection.isReady) queueMicrotask(start);
  return () => {
    started = true;
    unlisten();
  };
}

/** Read the policy on every master and log what it means. Never rejects. */
export async function checkMaxmemoryPolicy(
  connection: RedisCommandConnection,
  runner: RedisCommandRunner,
  logger: ApiKeyCacheLogger,
  owner: string,
): Promise<void> {
  try {
    const masters = await runner.bound(connection.masters(), "CONFIG GET maxmemory*");
    const settings = await Promise.all(masters.map((master) => readSetting(master, runner)));
    const known = settings.filter((setting) => setting !== undefined);
    if (known.length < settings.length) {
      logger.debug(
        `${owner}: CONFIG GET maxmemory* named no maxmemory-policy on ${settings.length - known.length} master(s); eviction not checked there`,
      );
    }
    const warning = maxmemoryWarning(known, owner);
    if (warning !== undefined) logger.warn(warning);
  } catch (error) {
    if (runner.closed) return;
    logger.debug(
      `${owner}: could not read maxmemory-policy (${errorMessage(safeCause(error))}); eviction not checked`,
    );
  }
}

async function readSetting(
  master: RedisMasterNode,
  runner: RedisCommandRunner,
): Promise<MaxmemorySetting | undefined> {
  const reply = await runner.bound(
    master.send(["CONFIG", "GET", "maxmemory*"]),
    "CONFIG GET maxmemory*",
  );
  return parseMaxmemoryReply(reply);
}
