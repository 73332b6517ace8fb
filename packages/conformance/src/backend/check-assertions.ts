/**
 * Assertions the checks share. They throw `node:assert` errors, which every runner reports
 * with a diff, so the checks need no test framework.
 */
import { strict as assert } from "node:assert";
import { type ApiKeyCacheErrorCode, isApiKeyCacheError } from "@apikey/core";

/**
 * Assert that `call` fails with an `ApiKeyCacheError` of `code`, whether it throws or rejects.
 * `what` names the call in the failure message.
 */
export async function assertFailsWithCode(
  call: () => unknown,
  code: ApiKeyCacheErrorCode,
  what: string,
): Promise<void> {
  let failure: unknown;
  try {
    await call();
  } catch (error) {
    failure = error ?? new Error(String(error));
  }
  if (failure === undefined) {
    assert.fail(`${what}: expected ApiKeyCacheError ${code}, but it succeeded`);
  }
  if (!isApiKeyCacheError(failure)) {
    assert.fail(`${what}: expected ApiKeyCacheError ${code}, got ${describeError(failure)}`);
  }
  assert.equal(failure.code, code, `${what}: wrong error code`);
}

/**
 * Assert that the remaining TTL a present entry reports is within (0, `maxMs`]: above 0 (an
 * entry with no time left has expired, so it must miss rather than report 0) and no more than
 * it really has left. `what` names the read in the failure message.
 */
export function assertRemainingTtl(ttlMs: unknown, maxMs: number, what: string): void {
  const expected = `expected a remaining TTL within (0, ${maxMs}] ms`;
  if (typeof ttlMs !== "number" || Number.isNaN(ttlMs)) {
    assert.fail(`${what}: ttlMs is ${String(ttlMs)}, not a number; ${expected}`);
  }
  if (ttlMs <= 0) {
    assert.fail(
      `${what}: ttlMs is ${ttlMs}, which breaks the "> 0" rule: an entry with no time left has expired and must read as a miss; ${expected}`,
    );
  }
  if (ttlMs > maxMs) {
    assert.fail(
      `${what}: ttlMs is ${ttlMs}, more than the ${maxMs} ms the entry has left; ${expected}`,
    );
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
