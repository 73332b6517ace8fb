/**
 * Events through `node:diagnostics_channel`, the mechanism undici and Fastify use, for tracing
 * and metrics. Nothing is built or published unless someone subscribes (`hasSubscribers` is
 * checked first), so the cost without subscribers is one property read per event. Payloads
 * carry key hashes, never plaintext keys, and never stored values.
 */
import { type Channel, channel } from "node:diagnostics_channel";
import type { CircuitState } from "./circuit-breaker.js";

/** The channel names, to pass to `diagnostics_channel.subscribe(name, listener)`. */
export const DIAGNOSTICS_CHANNELS: {
  readonly resolve: "apikey-cache:resolve";
  readonly load: "apikey-cache:load";
  readonly revoke: "apikey-cache:revoke";
  readonly circuit: "apikey-cache:circuit";
  readonly bus: "apikey-cache:bus";
  readonly backendError: "apikey-cache:backend-error";
} = Object.freeze({
  resolve: "apikey-cache:resolve",
  load: "apikey-cache:load",
  revoke: "apikey-cache:revoke",
  circuit: "apikey-cache:circuit",
  bus: "apikey-cache:bus",
  backendError: "apikey-cache:backend-error",
});

/** How a lookup was answered. */
export type ResolveOutcome =
  | "hit" // a cached record (tombstones included)
  | "negative" // the cached not-found marker
  | "miss" // nothing cached: the loader answered
  | "stale" // the reload failed; a record past its TTL answered (staleIfErrorSeconds)
  | "bypass" // the cache failed, was too slow, or the circuit is open: the loader answered
  | "error" // the loader failed and nothing could answer: resolve rejected
  | "skipped"; // empty or too long: `undefined` without a lookup

/** `apikey-cache:resolve`: one per `resolve` call, once it settles. */
export interface ResolveEvent {
  /** The cache key (hash) looked up; absent for `skipped`. */
  readonly keyHash?: string;
  readonly outcome: ResolveOutcome;
  /** Whether the answer is an active record. */
  readonly active: boolean;
  /** `performance.now()` when the call started, and how long it took, in ms. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/** `apikey-cache:load`: one per loader call (single flight: one per key at a time). */
export interface LoadEvent {
  readonly keyHash: string;
  /** `found`: a record; `unknown`: the loader said the key does not exist. */
  readonly outcome: "found" | "unknown" | "error" | "timeout";
  /** A background refresh (`refreshAheadSeconds`) rather than a lookup's load. */
  readonly refresh: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error?: unknown;
}

/** `apikey-cache:revoke`: one per `revoke` or `invalidate`, once it settles. */
export interface RevokeEvent {
  readonly keyHash: string;
  readonly operation: "revoke" | "invalidate";
  readonly outcome: "ok" | "error";
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error?: unknown;
}

/** `apikey-cache:circuit`: the resolver's circuit breaker changed state. */
export interface CircuitEvent {
  readonly state: CircuitState;
}

/** `apikey-cache:bus`: a tiered backend's invalidation bus became ready or was lost (L1 on/off). */
export interface BusEvent {
  readonly state: "ready" | "disconnected";
}

/** `apikey-cache:backend-error`: a cache call failed or timed out and was bypassed or reported. */
export interface BackendErrorEvent {
  /** `read`, `write`, `refresh`, `revoke` or `invalidate`. */
  readonly operation: string;
  readonly keyHash: string;
  /** True when the call missed its deadline rather than failing. */
  readonly timeout: boolean;
  readonly error: unknown;
}

export const resolveChannel: Channel = channel(DIAGNOSTICS_CHANNELS.resolve);
export const loadChannel: Channel = channel(DIAGNOSTICS_CHANNELS.load);
export const revokeChannel: Channel = channel(DIAGNOSTICS_CHANNELS.revoke);
export const circuitChannel: Channel = channel(DIAGNOSTICS_CHANNELS.circuit);
export const busChannel: Channel = channel(DIAGNOSTICS_CHANNELS.bus);
export const backendErrorChannel: Channel = channel(DIAGNOSTICS_CHANNELS.backendError);
