/**
 * How a backend package describes itself to the conformance suite: factories for fresh
 * backends and the honest differences between backends (capabilities).
 */
import type { ApiKeyCacheBackend } from "@apikey/core";

/** Honest differences between backends, declared instead of hidden. */
export interface BackendCapabilities {
  /** Milliseconds an entry may outlive its TTL, or vanish before it. @default 50 */
  ttlToleranceMs?: number;
  /**
   * Peers made by `createPeer` share entries: a write through one is read through the other.
   * @default false
   */
  sharedBetweenInstances?: boolean;
  /** A peer sees another instance's write within this many ms (tiered: the bus latency). @default 0 */
  peerConvergenceMs?: number;
}

/** A backend under test plus the clock the test drives. */
export interface FakeClockBackend<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  backend: B;
  /** Move the backend's clock forward. */
  advance(ms: number): void;
}

/** Options of `describeBackendConformance`. */
export interface BackendConformanceOptions<B extends ApiKeyCacheBackend = ApiKeyCacheBackend> {
  /** A fresh, empty backend in a namespace of its own (for Redis: a new random prefix, same server). */
  createBackend(): B | Promise<B>;
  /** A second backend on the same store and namespace as `backend` (cross-instance checks). */
  createPeer?(backend: B): B | Promise<B>;
  /** Tear a backend down after its test. @default backend.close() */
  dispose?(backend: B): Promise<void>;
  /** A backend with a controllable clock, for the TTL model test without sleeps. */
  createWithFakeClock?(): FakeClockBackend<B> | Promise<FakeClockBackend<B>>;
  capabilities?: BackendCapabilities;
  /**
   * Random command sequences the property-based model check runs (each on a fresh backend).
   * Keep it small against a network store so the check stays within a few seconds.
   * @default 60 with `createWithFakeClock`, else 30
   */
  modelRuns?: number;
}
