/**
 * The options of a Redis invalidation bus that do not depend on the client, checked once at
 * construction so a bad one fails at once with a typed error naming the bus and the option.
 */
import { randomUUID } from "node:crypto";
import { ApiKeyCacheError } from "../errors.js";
import { type ApiKeyCacheLogger, defaultLogger } from "../logger.js";
import { DEFAULT_COMMAND_TIMEOUT_MS } from "../redis-driver.js";
import type { RedisPublishConnection } from "./redis-publish-connection.js";
import type { RedisSubscriberConnection } from "./redis-subscriber-connection.js";

/** How often the subscriber connection is pinged by default, in milliseconds. */
export const DEFAULT_BUS_PING_INTERVAL_MS = 1000;

/** What every Redis invalidation bus takes besides its clients. */
export interface RedisInvalidationBusSettings {
  /** The pub/sub channel, usually `invalidationChannel(keyPrefix)`. */
  channel: string;
  /** Where connection losses and dropped messages are reported. @default defaultLogger */
  logger?: ApiKeyCacheLogger;
  /**
   * Deadline of `publish`, of confirming the subscription and of each health ping.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /** How often the subscriber connection is pinged to notice a hung link. @default 1000 */
  pingIntervalMs?: number;
  /**
   * The bus owns both connections: it connects them if they are not, replaces the subscriber
   * connection when a ping misses its deadline, and closes both in `close()`. The drivers set
   * it for the connections they create. @default false
   */
  ownsClients?: boolean;
  /** Stamped as `origin` on published messages. @default a random UUID */
  instanceId?: string;
}

/** What {@link RedisInvalidationBus} is built from: the settings and a client's connections. */
export interface RedisInvalidationBusOptions extends RedisInvalidationBusSettings {
  /** Names the bus in errors and logs, e.g. `"IoredisInvalidationBus"`. */
  owner: string;
  subscriber: RedisSubscriberConnection;
  publisher: RedisPublishConnection;
}

/** The settings with defaults applied. */
export interface ResolvedBusSettings {
  readonly channel: string;
  readonly logger: ApiKeyCacheLogger;
  readonly commandTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly ownsClients: boolean;
  readonly instanceId: string;
}

/** @throws ApiKeyCacheError `E_CONFIG` for an empty channel, a bad duration, logger or id. */
export function resolveBusSettings(options: RedisInvalidationBusOptions): ResolvedBusSettings {
  const { owner, channel } = options;
  const fail = (problem: string): never => {
    throw new ApiKeyCacheError("E_CONFIG", `${owner}: ${problem}`);
  };
  if (typeof channel !== "string" || channel.length === 0) {
    fail("channel must be a non-empty string");
  }
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_BUS_PING_INTERVAL_MS;
  for (const [name, value] of [
    ["commandTimeoutMs", commandTimeoutMs],
    ["pingIntervalMs", pingIntervalMs],
  ] as const) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      fail(`${name} must be a positive number of milliseconds, got ${String(value)}`);
    }
  }
  const logger = options.logger ?? defaultLogger;
  const record = logger as unknown as Record<string, unknown> | null;
  if (
    typeof record !== "object" ||
    record === null ||
    !["debug", "info", "warn", "error"].every((level) => typeof record[level] === "function")
  ) {
    fail("logger must have debug, info, warn and error functions (console fits)");
  }
  const instanceId = options.instanceId ?? randomUUID();
  if (typeof instanceId !== "string" || instanceId.length === 0) {
    fail("instanceId must be a non-empty string");
  }
  return {
    channel,
    logger,
    commandTimeoutMs,
    pingIntervalMs,
    ownsClients: options.ownsClients === true,
    instanceId,
  };
}
