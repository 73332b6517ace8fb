/**
 * A backend over a client the test creates itself, the way an application passes its own
 * client: the one thing a client package must build for the caller-client checks, since only
 * it knows its client's constructor and settings.
 */
import type { ApiKeyCacheBackend, ApiKeyCacheLogger } from "@apikey/core";

/** What the checks ask a {@link CallerClientBackendFactory} for. */
export interface CallerClientBackendOptions {
  /** The server, possibly with credentials (`redis://user:password@host:port`). */
  url: string;
  keyPrefix: string;
  logger: ApiKeyCacheLogger;
  /** The backend's deadline, in ms. */
  commandTimeoutMs: number;
  /** Passed on to the backend when set (the `revocationReplicas` checks). */
  revocationReplicas?: { replicas: number; timeoutMs: number };
}

/** A backend and the caller's client under it, which the backend leaves open. */
export interface CallerClientBackend {
  readonly backend: ApiKeyCacheBackend;
  /** Close (or disconnect) the client; the checks call it after `backend.close()`. */
  closeClient(): void | Promise<void>;
}

/** Close the backend, then its caller's client. */
export async function closeCallerClientBackend(built: CallerClientBackend): Promise<void> {
  try {
    await built.backend.close();
  } finally {
    await built.closeClient();
  }
}

/**
 * Build a fresh client for `options.url` with the settings the package's README gives for a
 * caller's own client (an `error` listener, no offline queue, a bounded reconnect delay), start
 * it connecting without waiting for it (a wrong password must not hang the factory), and wrap
 * it in the package's backend class with the other options (`keyPrefix`, `logger`,
 * `commandTimeoutMs`).
 */
export type CallerClientBackendFactory = (
  options: CallerClientBackendOptions,
) => CallerClientBackend;
