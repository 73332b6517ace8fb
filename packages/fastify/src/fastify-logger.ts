/**
 * Core's console-style logger shape over Fastify's pino logger, so a failing resolver is
 * reported in the application's own log: pino takes the error as `{ err }` before the message.
 */
import type { ApiKeyCacheLogger } from "@apikey/core";
import type { FastifyBaseLogger } from "fastify";

type Level = "debug" | "info" | "warn" | "error";

function forward(log: FastifyBaseLogger, level: Level) {
  return (message: string, ...details: unknown[]): void => {
    const [first] = details;
    if (details.length === 0) log[level](message);
    else if (first instanceof Error && details.length === 1) log[level]({ err: first }, message);
    else log[level]({ details }, message);
  };
}

/** An {@link ApiKeyCacheLogger} writing to `log`. */
export function fastifyLogger(log: FastifyBaseLogger): ApiKeyCacheLogger {
  return {
    debug: forward(log, "debug"),
    info: forward(log, "info"),
    warn: forward(log, "warn"),
    error: forward(log, "error"),
  };
}
