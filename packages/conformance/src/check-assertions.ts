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

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
