/**
 * The shape of the invalidation-bus conformance checks, mirroring the backend suite: plain
 * async functions over a context that hands out buses on one shared channel and disposes them
 * when the check ends, so they run under vitest or from `runInvalidationBusChecks`.
 */
import type { InvalidationBus } from "@apikey/core";
import type { ConformanceCheck } from "../conformance-check.js";
import type { BusRecorder } from "./bus-recorder.js";

/** The groups of bus checks, in the order they are registered and run. */
export const BUS_CHECK_GROUPS = [
  "delivery",
  "origin",
  "subscription",
  "close",
  "reconnect",
] as const;

/** A group of bus checks. */
export type BusCheckGroup = (typeof BUS_CHECK_GROUPS)[number];

/** Honest differences between buses. */
export interface InvalidationBusCapabilities {
  /** Longest wait for a message, a `ready()` or a `disconnected()`, in ms. @default 2000 */
  eventTimeoutMs?: number;
  /** Longest wait for `ready()` again after the subscriber connection broke, in ms. @default 10000 */
  reconnectTimeoutMs?: number;
}

/** Options of `describeInvalidationBusConformance`. */
export interface InvalidationBusConformanceOptions<B extends InvalidationBus = InvalidationBus> {
  /**
   * A new bus. Every bus created during one suite run must share one channel (for Redis: the
   * same key prefix on the same server), so what one publishes reaches the others.
   */
  createBus(): B | Promise<B>;
  /**
   * Break `bus`'s subscriber connection so it must reconnect (Redis: `CLIENT KILL` of the
   * subscriber connection). Without it the `reconnect` checks are not registered.
   */
  breakSubscriberConnection?(bus: B): void | Promise<void>;
  /** Tear a bus down after its check. @default bus.close() */
  dispose?(bus: B): Promise<void>;
  capabilities?: InvalidationBusCapabilities;
}

/** What a bus check works with; every bus it creates is disposed when it ends. */
export interface BusCheckContext {
  readonly eventTimeoutMs: number;
  readonly reconnectTimeoutMs: number;
  /** A string unique to this check run, to build keys no other check uses. */
  readonly token: string;
  /** A new bus on the shared channel. */
  createBus(): Promise<InvalidationBus>;
  /** Subscribe `bus` with a fresh recorder and wait (capped) for its first `ready()`. */
  subscribe(bus: InvalidationBus): Promise<BusRecorder>;
  /** Break `bus`'s subscriber connection. @throws when the options have no `breakSubscriberConnection` */
  breakSubscriberConnection(bus: InvalidationBus): Promise<void>;
}

/** One bus conformance check: its id is `<group>.<name>`, e.g. `"delivery.set"`. */
export interface BusCheck
  extends ConformanceCheck<BusCheckGroup, InvalidationBusConformanceOptions, BusCheckContext> {}

/** Default time a bus check may take. */
export const DEFAULT_BUS_CHECK_TIMEOUT_MS = 20_000;
