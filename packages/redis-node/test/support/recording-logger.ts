/** A logger that keeps every line it is given, details included, for secret checks. */
import type { ApiKeyCacheLogger } from "@apikey/core";

/** One logged line. */
export interface LoggedLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  details: unknown[];
}

/** A logger plus everything it has received. */
export interface RecordingLogger extends ApiKeyCacheLogger {
  readonly lines: LoggedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LoggedLine[] = [];
  const record =
    (level: LoggedLine["level"]) =>
    (message: string, ...details: unknown[]): void => {
      lines.push({ level, message, details });
    };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}
