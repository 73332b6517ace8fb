/** A logger that keeps what it is told, for tests that check what was (not) reported. */
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
  /** Resolves once a line at `level` contains `text` (rejects after `timeoutMs`). */
  waitFor(level: LoggedLine["level"], text: string, timeoutMs?: number): Promise<LoggedLine>;
}

export function recordingLogger(): RecordingLogger {
  const lines: LoggedLine[] = [];
  const waiters = new Set<() => void>();
  const record =
    (level: LoggedLine["level"]) =>
    (message: string, ...details: unknown[]): void => {
      lines.push({ level, message, details });
      for (const wake of [...waiters]) wake();
    };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    waitFor(level, text, timeoutMs = 5000): Promise<LoggedLine> {
      const find = (): LoggedLine | undefined =>
        lines.find((line) => line.level === level && line.message.includes(text));
      const found = find();
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${level} line containing "${text}" within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          const line = find();
          if (line === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(line);
        };
        waiters.add(check);
      });
    },
  };
}
