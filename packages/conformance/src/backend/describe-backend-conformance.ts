/**
 * Vitest registration of the conformance checks: one `describe` per group, one `it` per
 * check. Each test gets a fresh session (fresh namespace) that `afterEach` disposes; checks
 * outside the capabilities the options declare (no peer, no fake clock) are not registered.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { describe } from "vitest";
import { describeCheckGroup } from "../describe-check-group.js";
import { BACKEND_CHECK_GROUPS, type BackendCheckGroup } from "./backend-check.js";
import { backendChecks } from "./backend-checks.js";
import { backendCheckSuite } from "./check-session.js";
import type { BackendConformanceOptions } from "./conformance-options.js";

/** Register the checks of `groups` for vitest under `describe(name)`. */
export function describeConformanceGroups<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
  groups: readonly BackendCheckGroup[],
): void {
  // Checks only use the protocol, so they take any backend type.
  const general = options as unknown as BackendConformanceOptions;
  describe(`${name}: backend conformance`, () => {
    for (const group of groups) {
      describeCheckGroup(group, backendChecks[group], backendCheckSuite, general);
    }
  });
}

/**
 * Register the whole conformance suite for a backend with vitest.
 *
 * @example
 * describeBackendConformance("InMemoryApiKeyCacheBackend", {
 *   createBackend: () => new InMemoryApiKeyCacheBackend(),
 * });
 */
export function describeBackendConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, BACKEND_CHECK_GROUPS);
}

/** Registers one group's checks for vitest under `describe(name)`. */
export type DescribeGroupConformance = <B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
) => void;

function describeOnly(group: BackendCheckGroup): DescribeGroupConformance {
  return (name, options) => describeConformanceGroups(name, options, [group]);
}

/** Register only the `basic` checks. */
export const describeBasicConformance: DescribeGroupConformance = describeOnly("basic");
/** Register only the `isolation` checks. */
export const describeIsolationConformance: DescribeGroupConformance = describeOnly("isolation");
/** Register only the `setIfAbsent` checks. */
export const describeSetIfAbsentConformance: DescribeGroupConformance = describeOnly("setIfAbsent");
/** Register only the `replaceIfUnchanged` checks (they pass trivially without the method). */
export const describeReplaceIfUnchangedConformance: DescribeGroupConformance =
  describeOnly("replaceIfUnchanged");
/** Register only the `peek` checks (they pass trivially without the method). */
export const describePeekConformance: DescribeGroupConformance = describeOnly("peek");
/** Register only the `delete` checks. */
export const describeDeleteConformance: DescribeGroupConformance = describeOnly("delete");
/** Register only the `clear` checks. */
export const describeClearConformance: DescribeGroupConformance = describeOnly("clear");
/** Register only the `ttl` checks. */
export const describeTtlConformance: DescribeGroupConformance = describeOnly("ttl");
/** Register only the `validation` checks. */
export const describeValidationConformance: DescribeGroupConformance = describeOnly("validation");
/** Register only the `close` checks. */
export const describeCloseConformance: DescribeGroupConformance = describeOnly("close");
/** Register only the `concurrency` checks. */
export const describeConcurrencyConformance: DescribeGroupConformance = describeOnly("concurrency");
/** Register only the property-based `model` check. */
export const describeModelConformance: DescribeGroupConformance = describeOnly("model");
/** Register only the `crossInstance` checks (they need `createPeer` and a shared store). */
export const describeCrossInstanceConformance: DescribeGroupConformance =
  describeOnly("crossInstance");
