/**
 * How a worker tells the primary why it could not start: its exit code. The worker prints
 * nothing for these (with several workers that would be one stack trace each); the primary
 * prints one line saying what to do.
 */
import type { DemoConfig } from "./config.js";

/** Exit codes of a worker that could not listen. */
export const WORKER_EXIT_CODES = {
  /** `EADDRINUSE`: something else listens on the port. */
  portInUse: 3,
  /** `EACCES`: a port below 1024 without the privilege. */
  portNotPermitted: 4,
  /** `EADDRNOTAVAIL`: `HOST` is not an address of this machine. */
  hostNotAvailable: 5,
} as const;

const BY_ERRNO: Readonly<Record<string, number>> = {
  EADDRINUSE: WORKER_EXIT_CODES.portInUse,
  EACCES: WORKER_EXIT_CODES.portNotPermitted,
  EADDRNOTAVAIL: WORKER_EXIT_CODES.hostNotAvailable,
};

/** The exit code for a start-up error the primary explains, or `undefined` for any other. */
export function exitCodeForStartError(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? BY_ERRNO[code] : undefined;
}

/** The primary's one line for a worker's exit code, or `undefined` if it is not one of these. */
export function describeStartFailure(
  exitCode: number | null,
  config: DemoConfig,
): string | undefined {
  switch (exitCode) {
    case WORKER_EXIT_CODES.portInUse:
      return `demo: port ${config.port} is already in use; stop what is using it, or set PORT to another port (PORT=0 picks a free one)`;
    case WORKER_EXIT_CODES.portNotPermitted:
      return `demo: no permission to listen on port ${config.port}; set PORT to a port above 1023 (PORT=0 picks a free one)`;
    case WORKER_EXIT_CODES.hostNotAvailable:
      return `demo: cannot listen on HOST=${config.host}: not an address of this machine; set HOST to one (default 127.0.0.1)`;
    default:
      return undefined;
  }
}
