/**
 * Vitest registration of the conformance checks: one `describe` per group, one `it` per
 * check. Each test gets a fresh session (fresh namespace) that `afterEach` disposes; checks
 * outside the capabilities the options declare (no peer, no fake clock) are not registered.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { afterEach, describe, it } from "vitest";
import {
  BACKEND_CHECK_GROUPS,
  type BackendCheckGroup,
  DEFAULT_CHECK_TIMEOUT_MS,
} from "./backend-check.js";
import { backendChecks } from "./backend-checks.js";
import { type CheckSession, createCheckSession } from "./check-session.js";
import type { BackendConformanceOptions } from "./conformance-options.js";

/** Register the checks of `groups` for vitest under `describe(name)`. */
export function describeConformanceGroups<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
  groups: readonly BackendCheckGroup[],
): void {
  const general = options as unknown as BackendConformanceOptions;
  describe(`${name}: backend conformance`, () => {
    for (const group of groups) registerGroup(group, general);
  });
}

function registerGroup(group: BackendCheckGroup, options: BackendConformanceOptions): void {
  // A check the backend declares it cannot support (no peer, no fake clock) is not
  // registered at all: it would only show up as a skipped test.
  const supported = backendChecks[group].filter(
    (check) => check.unsupportedReason?.(options) === undefined,
  );
  if (supported.length === 0) return;
  describe(group, () => {
    let session: CheckSession | undefined;
    afterEach(async () => {
      const ending = session;
      session = undefined;
      await ending?.dispose();
    });
    for (const check of supported) {
      it(
        check.title,
        async () => {
          session = createCheckSession(options);
          await check.run(session.context);
        },
        check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      );
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

/** Register only the `basic` checks. */
export function describeBasicConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["basic"]);
}

/** Register only the `isolation` checks. */
export function describeIsolationConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["isolation"]);
}

/** Register only the `setIfAbsent` checks. */
export function describeSetIfAbsentConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["setIfAbsent"]);
}

/** Register only the `delete` checks. */
export function describeDeleteConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["delete"]);
}

/** Register only the `clear` checks. */
export function describeClearConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["clear"]);
}

/** Register only the `ttl` checks. */
export function describeTtlConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["ttl"]);
}

/** Register only the `validation` checks. */
export function describeValidationConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["validation"]);
}

/** Register only the `close` checks. */
export function describeCloseConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["close"]);
}

/** Register only the `concurrency` checks. */
export function describeConcurrencyConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["concurrency"]);
}

/** Register only the property-based `model` check. */
export function describeModelConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["model"]);
}

/** Register only the `crossInstance` checks (they need `createPeer` and a shared store). */
export function describeCrossInstanceConformance<B extends ApiKeyCacheBackend>(
  name: string,
  options: BackendConformanceOptions<B>,
): void {
  describeConformanceGroups(name, options, ["crossInstance"]);
}
