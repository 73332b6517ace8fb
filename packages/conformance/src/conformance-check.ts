/**
 * What the backend and the invalidation-bus suites share: the shape of a check, the session it
 * runs in, and the group stamp. Each suite fixes the group names, the options and the context;
 * the runners (`run-checks.ts`, `describe-check-group.ts`) work on this shape alone.
 */

/** One conformance check of a suite whose groups are `Group`. */
export interface ConformanceCheck<Group extends string, Options, Context> {
  /** Stable identifier, `<group>.<name>`, e.g. `"ttl.fractional"`. */
  readonly id: string;
  readonly group: Group;
  /** The behaviour it pins, used as the vitest test name. */
  readonly title: string;
  /** Why the options cannot run this check (a declared capability gap), or `undefined`. */
  unsupportedReason?(options: Options): string | undefined;
  /** Longest the check may take. @default 20000 */
  readonly timeoutMs?: number;
  /** Resolves if the implementation conforms; rejects with an assertion error otherwise. */
  run(context: Context): Promise<void>;
}

/** A check's context plus the teardown of what the check created. */
export interface ConformanceSession<Context> {
  readonly context: Context;
  /** Dispose everything the check created; rejects with the first disposal error. */
  dispose(): Promise<void>;
}

/** How a suite runs one of its checks: a fresh session per check, and a default timeout. */
export interface ConformanceSuite<Options, Context> {
  startSession(options: Options): ConformanceSession<Context>;
  readonly defaultTimeoutMs: number;
}

/** Stamp the group, and the id derived from it, onto a group's check definitions. */
export function stampCheckGroup<Group extends string, Definition extends { readonly name: string }>(
  group: Group,
  definitions: readonly Definition[],
): (Omit<Definition, "name"> & { readonly id: string; readonly group: Group })[] {
  return definitions.map(({ name, ...definition }) => ({
    ...definition,
    id: `${group}.${name}`,
    group,
  }));
}
