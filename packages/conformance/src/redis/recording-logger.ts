/** A logger that keeps its lines, for checks on what a backend reports (and never reveals). */
import type { ApiKeyCacheLogger } from "@apikey/core";

/** A logger plus every line it received, as `level: message details...`. */
export interface RecordingLogger extends ApiKeyCacheLogger {
  readonly lines: string[];
  /** The lines at `level`. */
  at(level: "debug" | "info" | "warn" | "error"): string[];
}

function renderDetail(detail: unknown): string {
  if (detail instanceof Error) return `${detail.name}: ${detail.message}`;
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return String(detail);
  }
}

/** A fresh recording logger. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...details: unknown[]): void => {
      const rendered = details.map(renderDetail);
      lines.push([`${level}: ${message}`, ...rendered].join(" "));
    };
  return {
    lines,
    at: (level) => lines.filter((line) => line.startsWith(`${level}: `)),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}
