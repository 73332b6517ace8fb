/**
 * peek (optional): a synchronous read of an in-process copy. It may have no answer (undefined:
 * the caller then asks `get`), but it never gives what `get` would not give at that moment: not
 * an absent, expired, deleted, cleared or replaced entry. A backend without it passes trivially.
 */
import { strict as assert } from "node:assert";
import type { ApiKeyCacheBackend, CachedApiKey } from "@apikey/core";
import { monotonicNow, sleepUntil } from "../../check-timing.js";
import {
  type BackendCheck,
  type BackendCheckContext,
  type BackendCheckDefinition,
  defineChecks,
} from "../backend-check.js";
import { assertFailsWithCode } from "../check-assertions.js";
import { richValue, sampleKey, sampleValue } from "../check-fixtures.js";

type Peek = (cacheKey: string) => CachedApiKey | undefined;

/** Slack added to the real-clock expiry check, for a loaded machine. */
const ABSENCE_SLACK_MS = 250;

/** `backend`'s bound `peek`, or `undefined` when it has none (checked to be a method if present). */
function peekOf(backend: ApiKeyCacheBackend): Peek | undefined {
  if (backend.peek === undefined) {
    assert.equal("peek" in backend, false, "peek is present but undefined");
    return undefined;
  }
  assert.equal(typeof backend.peek, "function", "peek must be a method");
  return backend.peek.bind(backend);
}

/** A check that runs only on a backend with `peek` (and passes without one). */
function peekCheck(definition: {
  name: string;
  title: string;
  run(
    subject: { backend: ApiKeyCacheBackend; peek: Peek },
    context: BackendCheckContext,
  ): Promise<void>;
}): BackendCheckDefinition {
  const { run, ...rest } = definition;
  return {
    ...rest,
    async run(context) {
      const backend = await context.createBackend();
      const peek = peekOf(backend);
      if (peek !== undefined) await run({ backend, peek }, context);
    },
  };
}

/** Assert that `peek(key)` is `undefined` or exactly what `get(key)` gives right after. */
async function assertAgrees(
  backend: ApiKeyCacheBackend,
  peek: Peek,
  key: string,
  what: string,
): Promise<CachedApiKey | undefined> {
  const peeked = peek(key);
  const got = await backend.get(key);
  if (peeked !== undefined) assert.deepStrictEqual(peeked, got, `${what}: peek() and get() differ`);
  return peeked;
}

/** The `peek` group. */
export const peekChecks: readonly BackendCheck[] = defineChecks("peek", [
  peekCheck({
    name: "agreesWithGet",
    title: "peek(), where present, gives what get() gives, or undefined when it has no answer",
    async run({ backend, peek }) {
      await backend.set(sampleKey(1), richValue(), 60);
      await backend.set(sampleKey(2), sampleValue(2, false), 60);
      // A read may be what makes an in-process copy (a tiered L1 fill); peek after it too.
      for (const key of [sampleKey(1), sampleKey(2)]) {
        await assertAgrees(backend, peek, key, "before a get()");
        await backend.get(key);
        await assertAgrees(backend, peek, key, "after a get()");
      }
    },
  }),
  peekCheck({
    name: "absent",
    title: "peek(), where present, gives undefined for a key never written and after ttl 0",
    async run({ backend, peek }) {
      assert.equal(peek(sampleKey("never-written")), undefined, "a key never written");
      await backend.set(sampleKey(1), sampleValue(1), 0);
      assert.equal(peek(sampleKey(1)), undefined, "ttl 0 stores nothing");
    },
  }),
  peekCheck({
    name: "afterWrites",
    title: "peek(), where present, never gives an entry that was deleted, cleared or replaced",
    async run({ backend, peek }) {
      await backend.set(sampleKey(1), sampleValue(1), 60);
      await backend.get(sampleKey(1));
      await backend.delete(sampleKey(1));
      assert.equal(peek(sampleKey(1)), undefined, "a deleted entry");
      await backend.set(sampleKey(2), sampleValue(2), 60);
      await backend.get(sampleKey(2));
      await backend.clear();
      assert.equal(peek(sampleKey(2)), undefined, "a cleared entry");
      await backend.set(sampleKey(3), sampleValue(3), 60);
      await backend.get(sampleKey(3));
      await backend.set(sampleKey(3), sampleValue(4), 60);
      const replaced = await assertAgrees(backend, peek, sampleKey(3), "a replaced entry");
      assert.notDeepStrictEqual(replaced, sampleValue(3), "peek() gave the replaced value");
    },
  }),
  peekCheck({
    name: "expired",
    title: "peek(), where present, gives undefined once the entry's TTL has passed",
    async run({ backend, peek }, context) {
      const tolerance = context.capabilities.ttlToleranceMs;
      const key = sampleKey("peek-expiry");
      await backend.set(key, sampleValue(1), 0.2);
      const written = monotonicNow();
      await backend.get(key);
      await sleepUntil(written + 200 + tolerance + ABSENCE_SLACK_MS);
      assert.equal(peek(key), undefined, "peek() still found an entry past its TTL");
      assert.equal(await backend.get(key), undefined, "get() still found an entry past its TTL");
    },
  }),
  peekCheck({
    name: "fakeClockExpiry",
    title: "peek(), where present, honours the TTL to the millisecond on a fake clock",
    async run(_subject, context) {
      if (!context.hasFakeClock) return;
      const { backend, advance } = await context.createWithFakeClock();
      const peek = peekOf(backend);
      assert.ok(peek, "the fake-clock backend must have peek() too");
      await backend.set(sampleKey(1), sampleValue(1), 1);
      await assertAgrees(backend, peek, sampleKey(1), "a 1 s entry");
      advance(999);
      await assertAgrees(backend, peek, sampleKey(1), "1 ms before expiry");
      advance(1);
      assert.equal(peek(sampleKey(1)), undefined, "at its TTL");
    },
  }),
  peekCheck({
    name: "inputs",
    title: "peek(), where present, throws E_INVALID_KEY for a bad key and E_CLOSED after close()",
    async run({ backend, peek }, context) {
      await assertFailsWithCode(() => peek(""), "E_INVALID_KEY", 'peek("")');
      await assertFailsWithCode(() => peek(42 as never), "E_INVALID_KEY", "peek(42)");
      await context.dispose(backend);
      await assertFailsWithCode(() => peek(sampleKey(1)), "E_CLOSED", "peek() after close()");
    },
  }),
]);
