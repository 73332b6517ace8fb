/**
 * The invalidation-bus conformance suite: `describeInvalidationBusConformance` registers the
 * checks with vitest, `runInvalidationBusChecks` runs them anywhere and reports each outcome.
 * Every check gets a session that hands out buses and closes them when it ends, pass or fail.
 */
import { randomUUID } from "node:crypto";
import { type InvalidationBus, isApiKeyCacheError } from "@apikey/core";
import { describe } from "vitest";
import type { ConformanceSession, ConformanceSuite } from "../conformance-check.js";
import { describeCheckGroup } from "../describe-check-group.js";
import { type CheckResult, runChecks } from "../run-checks.js";
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

/** A bus check context plus the teardown of every bus the check created. */
export interface BusCheckSession extends ConformanceSession<BusCheckContext> {}

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

const busCheckSuite: ConformanceSuite<InvalidationBusConformanceOptions, BusCheckContext> = {
  startSession: createBusCheckSession,
  defaultTimeoutMs: DEFAULT_BUS_CHECK_TIMEOUT_MS,
};

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
      describeCheckGroup(group, busChecks[group], busCheckSuite, general);
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

/**
 * The outcome of one bus check: `"skipped"` only when the options cannot run it (no
 * `breakSubscriberConnection`), with `skipReason`; `"failed"` with `error`.
 */
export interface BusCheckResult extends CheckResult<BusCheckGroup> {}

/**
 * Run the bus checks one after another outside vitest; never rejects for a failing check.
 * A check that outlives its timeout fails.
 */
export async function runInvalidationBusChecks(
  options: InvalidationBusConformanceOptions,
  filter: RunInvalidationBusChecksFilter = {},
): Promise<BusCheckResult[]> {
  return runChecks(listInvalidationBusChecks(filter.groups), busCheckSuite, options, filter.ids);
}
