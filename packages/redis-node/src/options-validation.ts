/**
 * Construction-time checks shared by the backend and the bus, so a bad option fails at once
 * with a typed error naming the class and the option.
 */
import { ApiKeyCacheError, type ApiKeyCacheLogger } from "@apikey/core";

/** @throws ApiKeyCacheError `E_CONFIG` unless `timeoutMs` is a positive finite number. */
export function assertTimeout(timeoutMs: unknown, owner: string): asserts timeoutMs is number {
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: commandTimeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`,
    );
  }
}

/** @throws ApiKeyCacheError `E_CONFIG` unless `logger` has debug/info/warn/error functions. */
export function assertLogger(logger: unknown, owner: string): asserts logger is ApiKeyCacheLogger {
  const record = logger as Record<string, unknown> | null;
  if (
    typeof logger !== "object" ||
    record === null ||
    !["debug", "info", "warn", "error"].every((level) => typeof record[level] === "function")
  ) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `${owner}: logger must have debug, info, warn and error functions (console fits)`,
    );
  }
}
