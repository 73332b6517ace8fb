/**
 * The shape of one conformance check: a plain async function over a context that hands out
 * fresh backends. Keeping checks free of vitest lets `runBackendChecks` run them anywhere,
 * which is how the suite proves it catches broken backends.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { type ConformanceCheck, stampCheckGroup } from "../conformance-check.js";
import type { BackendConformanceOptions, FakeClockBackend } from "./conformance-options.js";

/** The groups of checks, in the order they are registered and run. */
export const BACKEND_CHECK_GROUPS = [
  "basic",
  "isolation",
  "setIfAbsent",
  "replaceIfUnchanged",
  "peek",
  "delete",
  "clear",
  "ttl",
  "validation",
  "close",
  "concurrency",
  "model",
  "crossInstance",
] as const;

/** A group of checks. */
export type BackendCheckGroup = (typeof BACKEND_CHECK_GROUPS)[number];

/** Capabilities with every default filled in. */
export interface ResolvedCapabilities {
  ttlToleranceMs: number;
  sharedBetweenInstances: boolean;
  peerConvergenceMs: number;
}

/**
 * What a check works with. Every backend it creates is disposed when the check ends, so a
 * check never cleans up after itself (except to dispose early, to bound open connections).
 */
export interface BackendCheckContext {
  readonly capabilities: ResolvedCapabilities;
  /** Property-based runs the model check makes. */
  readonly modelRuns: number;
  /** True when the options give `createWithFakeClock`. */
  readonly hasFakeClock: boolean;
  /** A fresh, empty backend in a namespace of its own. */
  createBackend(): Promise<ApiKeyCacheBackend>;
  /** A second instance on the same store and namespace as `backend`. @throws when the options have no `createPeer` */
  createPeer(backend: ApiKeyCacheBackend): Promise<ApiKeyCacheBackend>;
  /** A fresh backend on a controllable clock. @throws when the options have no `createWithFakeClock` */
  createWithFakeClock(): Promise<FakeClockBackend>;
  /** Dispose a backend now rather than when the check ends. */
  dispose(backend: ApiKeyCacheBackend): Promise<void>;
}

/** One conformance check: its id is `<group>.<name>`, e.g. `"ttl.fractional"`. */
export interface BackendCheck
  extends ConformanceCheck<BackendCheckGroup, BackendConformanceOptions, BackendCheckContext> {}

/** A check as written in a group file, before the group is stamped on. */
export type BackendCheckDefinition = Omit<BackendCheck, "group" | "id"> & { readonly name: string };

/** Stamp the group onto a group's check definitions. */
export function defineChecks(
  group: BackendCheckGroup,
  definitions: readonly BackendCheckDefinition[],
): readonly BackendCheck[] {
  return stampCheckGroup(group, definitions);
}

/** Default time a check may take. */
export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;
