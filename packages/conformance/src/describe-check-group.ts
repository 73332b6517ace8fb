/**
 * Vitest registration of one group of checks, shared by the backend and the bus suites: one
 * `describe` per group, one `it` per check, each test in a fresh session that `afterEach`
 * disposes, pass or fail.
 */
import { afterEach, describe, it } from "vitest";
import type {
  ConformanceCheck,
  ConformanceSession,
  ConformanceSuite,
} from "./conformance-check.js";

/**
 * Register `checks` under `describe(group)`, each titled `<id>: <title>` (e.g.
 * `ttl.fractional: a fractional TTL ...`). A check the options declare they cannot run is
 * not registered at all (it would only show up as a skipped test); a group left with no check
 * registers nothing.
 */
export function describeCheckGroup<Options, Context>(
  group: string,
  checks: readonly ConformanceCheck<string, Options, Context>[],
  suite: ConformanceSuite<Options, Context>,
  options: Options,
): void {
  const supported = checks.filter((check) => check.unsupportedReason?.(options) === undefined);
  if (supported.length === 0) return;
  describe(group, () => {
    let session: ConformanceSession<Context> | undefined;
    afterEach(async () => {
      const ending = session;
      session = undefined;
      await ending?.dispose();
    });
    for (const check of supported) {
      // The id leads the title, so a failing test names what `run...Checks({ ids })` takes.
      it(
        `${check.id}: ${check.title}`,
        async () => {
          session = suite.startSession(options);
          await check.run(session.context);
        },
        check.timeoutMs ?? suite.defaultTimeoutMs,
      );
    }
  });
}
