/**
 * The isolation contract's tools: every value a backend hands out is deep-frozen, so a check
 * can try to scribble on it (a frozen value throws, which is fine) and then assert the entry
 * is unchanged, or walk it to assert every object and array in it is frozen.
 */
import { strict as assert } from "node:assert";
import type { CachedApiKey } from "@apikey/core";

/**
 * Mutate a record deeply, the way careless caller code would. Each mutation is tried on its
 * own: a frozen part throwing a `TypeError` (strict mode) does not stop the attempts on the
 * parts inside it, so a value frozen only at its top level is still caught. Any other error is
 * rethrown.
 */
export function scribble(value: CachedApiKey): void {
  const limits = value.limits as { perMinute: number; tiers: unknown[] } | undefined;
  const attempts: Array<() => void> = [
    () => {
      value.apiKey = "mutated";
    },
    () => {
      value.active = !value.active;
    },
    () => {
      value.injected = "yes";
    },
    () => {
      if (limits) limits.perMinute = -1;
    },
    () => {
      limits?.tiers.push("extra");
    },
    () => {
      (value.scopes as string[] | undefined)?.push("root");
    },
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
}

/** Assert that `value` and every object and array inside it are frozen, naming the first that is not. */
export function assertDeepFrozen(value: unknown, label: string): void {
  const pending: Array<{ node: object; path: string }> = [];
  if (typeof value === "object" && value !== null) pending.push({ node: value, path: "value" });
  // Bounded: the values the checks store nest a few levels and hold a few dozen nodes.
  for (let visited = 0; pending.length > 0 && visited < 10_000; visited++) {
    const { node, path } = pending.pop() as { node: object; path: string };
    assert.ok(Object.isFrozen(node), `${label}: ${path} is not frozen`);
    for (const [field, child] of Object.entries(node)) {
      if (typeof child === "object" && child !== null) {
        pending.push({ node: child, path: `${path}.${field}` });
      }
    }
  }
}

/** Assert that assigning a field of `value` throws a `TypeError` (the checks run in strict mode). */
export function assertMutationThrows(value: CachedApiKey, label: string): void {
  assert.throws(
    () => {
      value.active = !value.active;
    },
    TypeError,
    `${label}: assigning a field of a returned value must throw in strict mode`,
  );
}
