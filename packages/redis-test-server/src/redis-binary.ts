/**
 * Finds the `redis-server` binary before spawning it, so a missing binary is one clear error
 * naming the binary and the fix, not an ENOENT from deep inside child_process.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { ApiKeyCacheError } from "@apikey/core";

/** The environment variable that overrides the binary. */
export const REDIS_SERVER_BIN_ENV = "REDIS_SERVER_BIN";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of the redis-server to run: `explicit`, else `$REDIS_SERVER_BIN`, else
 * `redis-server` on `PATH`.
 * @throws ApiKeyCacheError `E_CONFIG` when it is not there or not executable
 */
export function resolveRedisServerBinary(explicit?: string): string {
  const fromEnv = process.env[REDIS_SERVER_BIN_ENV];
  const requested = explicit ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
  const source =
    explicit !== undefined
      ? "the bin option"
      : requested !== undefined
        ? `$${REDIS_SERVER_BIN_ENV}`
        : "PATH";
  const name = requested ?? "redis-server";
  if (name.includes("/") || isAbsolute(name)) {
    if (isExecutable(name)) return name;
  } else {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir === "") continue;
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  throw new ApiKeyCacheError(
    "E_CONFIG",
    `The Redis test helpers need the redis-server binary, but ${JSON.stringify(name)} (from ${source}) ` +
      `is not an executable file${source === "PATH" ? " on PATH" : ""}. Install it (Debian: apt-get install ` +
      `redis-server) or set ${REDIS_SERVER_BIN_ENV} to its path.`,
  );
}
