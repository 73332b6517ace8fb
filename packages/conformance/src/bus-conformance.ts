/**
 * The invalidation-bus conformance suite: `describeInvalidationBusConformance` registers the
 * checks with vitest, `runInvalidationBusChecks` runs them anywhere and reports each outcome.
 * Every check gets a session that hands out buses and closes them when it ends, pass or fail.
 */
import { randomUUID } from "node:crypto";
import { type InvalidationBus, isApiKeyCacheError } from "@apikey/core";
import { afterEach, describe, it } from "vitest";
import {
  BUS_CHECK_GROUPS,
  type BusCheck,
  type BusCheckContext,
  type BusCheckGroup,
  DEFAULT_BUS_CHECK_TIMEOUT_MS,
  type InvalidationBusConformanceOptions,
} from "./bus-check.js";
import { busChecks } from "./bus-checks.js";
import { BusRecorder } from "./bus-recorder.js";

/** A bus check context plus the teardown of what the check created. */
export interface BusCheckSession {
  readonly context: BusCheckContext;
  /** Dispose every bus the check created; rejects with the first disposal error. */
  dispose(): Promise<void>;
}

/** Start a session for one bus check. */
export function createBusCheckSession(options: InvalidationBusConformanceOptions): BusCheckSession {
  const eventTimeoutMs = options.capabilities?.eventTimeoutMs ?? 2_000;
  const reconnectTimeoutMs = options.capabilities?.reconnectTimeoutMs ?? 10_000;
  const buses: InvalidationBus[] = [];
  const context: BusCheckContext = {
    eventTimeoutMs,
    reconnectTimeoutMs,
    token: `bus-check-${randomUUID()}`,
    async createBus() {
      const bus = await options.createBus();
      buses.push(bus);
      return bus;
    },
    async subscribe(bus) {
      const recorder = new BusRecorder();
      recorder.unsubscribe = await bus.subscribe(recorder);
      await recorder.waitFor((e) => e.type === "ready", "ready() after subscribe", eventTimeoutMs);
      return recorder;
    },
    async breakSubscriberConnection(bus) {
      if (!options.breakSubscriberConnection) {
        throw new Error("the conformance options have no breakSubscriberConnection");
      }
      await options.breakSubscriberConnection(bus);
    },
  };
  return {
    context,
    async dispose() {
      let first: unknown;
      for (const bus of buses.splice(0).reverse()) {
        try {
          await (options.dispose ? options.dispose(bus) : bus.close());
        } catch (error) {
          if (!isApiKeyCacheError(error, "E_CLOSED") && first === undefined) first = error;
        }
      }
      if (first !== undefined) throw first;
    },
  };
}

/** The bus checks of `groups` (default: all), in registration order. */
export function listInvalidationBusChecks(
  groups: readonly BusCheckGroup[] = BUS_CHECK_GROUPS,
): readonly BusCheck[] {
  return groups.flatMap((group) => busChecks[group]);
}

/**
 * Register the invalidation-bus conformance checks with vitest, one `describe` per group.
 * Checks the options cannot run (no `breakSubscriberConnection`) are not registered.
 *
 * @example
 * const network = createInProcessBusNetwork();
 * describeInvalidationBusConformance("in-process bus", {
 *   createBus: () => network.createBus(),
 *   breakSubscriberConnection: async (bus) => { ... },
 * });
 */
export function describeInvalidationBusConformance<B extends InvalidationBus>(
  name: string,
  options: InvalidationBusConformanceOptions<B>,
  groups: readonly BusCheckGroup[] = BUS_CHECK_GROUPS,
): void {
  const general = options as unknown as InvalidationBusConformanceOptions;
  describe(`${name}: invalidation bus conformance`, () => {
    for (const group of groups) {
      const checks = busChecks[group].filter(
        (check) => check.unsupportedReason?.(general) === undefined,
      );
      if (checks.length === 0) continue;
      describe(group, () => {
        let session: BusCheckSession | undefined;
        afterEach(async () => {
          const ending = session;
          session = undefined;
          await ending?.dispose();
        });
        for (const check of checks) {
          it(
            check.title,
            async () => {
              session = createBusCheckSession(general);
              await check.run(session.context);
            },
            check.timeoutMs ?? DEFAULT_BUS_CHECK_TIMEOUT_MS,
          );
        }
      });
    }
  });
}

/** What `runInvalidationBusChecks` runs. */
export interface RunInvalidationBusChecksFilter {
  /** Only these groups. @default every group */
  groups?: readonly BusCheckGroup[];
  /** Only checks whose id is listed (e.g. `"delivery.set"`). @default every check of `groups` */
  ids?: readonly string[];
}

/** The outcome of one bus check. */
export interface BusCheckResult {
  readonly id: string;
  readonly group: BusCheckGroup;
  readonly title: string;
  /** `"skipped"` only when the options cannot run it (no `breakSubscriberConnection`). */
  readonly status: "passed" | "failed" | "skipped";
  readonly error?: unknown;
  readonly skipReason?: string;
}

/**
 * Run the bus checks one after another outside vitest; never rejects for a failing check.
 * A check that outlives its timeout fails.
 */
export async function runInvalidationBusChecks(
  options: InvalidationBusConformanceOptions,
  filter: RunInvalidationBusChecksFilter = {},
): Promise<BusCheckResult[]> {
  const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
  const results: BusCheckResult[] = [];
  for (const check of listInvalidationBusChecks(filter.groups)) {
    if (ids !== undefined && !ids.has(check.id)) continue;
    results.push(await runOne(check, options));
  }
  return results;
}

async function runOne(
  check: BusCheck,
  options: InvalidationBusConformanceOptions,
): Promise<BusCheckResult> {
  const base = { id: check.id, group: check.group, title: check.title };
  const skipReason = check.unsupportedReason?.(options);
  if (skipReason !== undefined) return { ...base, status: "skipped", skipReason };
  const session = createBusCheckSession(options);
  const timeoutMs = check.timeoutMs ?? DEFAULT_BUS_CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  let error: unknown;
  let failed = false;
  try {
    await Promise.race([
      check.run(session.context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the check did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (caught) {
    failed = true;
    error = caught;
  } finally {
    clearTimeout(timer);
  }
  try {
    await session.dispose();
  } catch (caught) {
    if (!failed) {
      failed = true;
      error = caught;
    }
  }
  return failed ? { ...base, status: "failed", error } : { ...base, status: "passed" };
}
