/** The core logger with the process role and pid in front, so interleaved worker output reads. */
import type { ApiKeyCacheLogger } from "@apikey/core";

/** Warnings and errors to stderr, prefixed `[worker 1234]`; debug and info dropped. */
export function processLogger(role: string): ApiKeyCacheLogger {
  const prefix = `[${role} ${process.pid}]`;
  return {
    debug: () => {},
    info: () => {},
    warn: (message, ...details) => console.warn(prefix, message, ...details),
    error: (message, ...details) => console.error(prefix, message, ...details),
  };
}
