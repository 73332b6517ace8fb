/**
 * Property-based model check: random sequences of set / setIfAbsent / setIfAbsentGet / get /
 * getWithTtl / delete / clear (and clock advances on a fake clock) must give the same results as
 * a plain reference model (getWithTtl: never more TTL than the model has left). Without a fake clock the TTLs are either <= 0 or far longer than a run, so
 * real time cannot change an answer.
 */
import { strict as assert } from "node:assert";
import { type ApiKeyCacheBackend, type CachedApiKey, ttlToMilliseconds } from "@apikey/core";
import fc from "fast-check";
import { type BackendCheck, type BackendCheckContext, defineChecks } from "../backend-check.js";
import { assertRemainingTtl } from "../check-assertions.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";

type ModelCommand =
  | { op: "set" | "setIfAbsent" | "setIfAbsentGet"; key: string; value: CachedApiKey; ttl: number }
  | { op: "get" | "getWithTtl" | "delete"; key: string }
  | { op: "clear" }
  | { op: "advance"; ms: number };

/** The reference: a Map with expiry times on a clock the model controls. */
class ReferenceModel {
  readonly #entries = new Map<string, { value: CachedApiKey; expiresAt: number }>();
  #now = 0;

  get(key: string): CachedApiKey | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > this.#now ? entry.value : undefined;
  }

  /** Milliseconds `key` has left (0 when absent or expired). */
  remainingMs(key: string): number {
    const entry = this.#entries.get(key);
    return entry === undefined ? 0 : Math.max(0, entry.expiresAt - this.#now);
  }

  set(key: string, value: CachedApiKey, ttlSeconds: number): void {
    const ttlMs = ttlToMilliseconds(ttlSeconds);
    if (ttlMs > 0) this.#entries.set(key, { value, expiresAt: this.#now + ttlMs });
  }

  setIfAbsentGet(key: string, value: CachedApiKey, ttlSeconds: number): CachedApiKey | undefined {
    const existing = this.get(key);
    if (existing === undefined) this.set(key, value, ttlSeconds);
    return existing;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

const keys = [sampleKey("a"), sampleKey("b"), sampleKey("c")];

function commandArbitrary(fakeClock: boolean): fc.Arbitrary<ModelCommand> {
  const key = fc.constantFrom(...keys);
  const value = fc
    .record({ n: fc.integer({ min: 0, max: 99 }), active: fc.boolean() })
    .map(({ n, active }) => sampleValue(n, active));
  // On a real clock, only TTLs no run can outlive (or that store nothing).
  const ttl = fakeClock
    ? fc.constantFrom(-1, 0, 0.001, 0.0105, 0.25, 0.5, 1, 2.5, 3_600)
    : fc.constantFrom(-1, -0.25, 0, 600, 3_600);
  const write = fc.record({
    op: fc.constantFrom("set" as const, "setIfAbsent" as const, "setIfAbsentGet" as const),
    key,
    value,
    ttl,
  });
  const read = fc.record({
    op: fc.constantFrom("get" as const, "getWithTtl" as const, "delete" as const),
    key,
  });
  const options: fc.WeightedArbitrary<ModelCommand>[] = [
    { arbitrary: write, weight: 4 },
    { arbitrary: read, weight: 4 },
    { arbitrary: fc.constant({ op: "clear" as const }), weight: 1 },
  ];
  if (fakeClock) {
    const advance = fc.record({ op: fc.constant("advance" as const), ms: fc.nat({ max: 1_500 }) });
    options.push({ arbitrary: advance, weight: 3 });
  }
  return fc.oneof(...options);
}

/** Apply one command to backend and model and compare what each answered. */
async function step(
  backend: ApiKeyCacheBackend,
  model: ReferenceModel,
  command: ModelCommand,
  advance: (ms: number) => void,
): Promise<void> {
  switch (command.op) {
    case "get":
      assert.deepStrictEqual(await backend.get(command.key), model.get(command.key), "get()");
      return;
    case "getWithTtl": {
      if (!backend.getWithTtl) return step(backend, model, { ...command, op: "get" }, advance);
      const entry = await backend.getWithTtl(command.key);
      assert.deepStrictEqual(entry?.value, model.get(command.key), "getWithTtl()");
      if (entry === undefined) return;
      const left = model.remainingMs(command.key);
      assertRemainingTtl(entry.ttlMs, left, `getWithTtl(${JSON.stringify(command.key)})`);
      return;
    }
    case "set":
      await backend.set(command.key, command.value, command.ttl);
      model.set(command.key, command.value, command.ttl);
      return;
    case "setIfAbsent": {
      const stored = await backend.setIfAbsent(command.key, command.value, command.ttl);
      const expected = model.setIfAbsentGet(command.key, command.value, command.ttl);
      const modelStored = expected === undefined && ttlToMilliseconds(command.ttl) > 0;
      assert.equal(stored, modelStored, "setIfAbsent()");
      return;
    }
    case "setIfAbsentGet": {
      if (!backend.setIfAbsentGet)
        return step(backend, model, { ...command, op: "setIfAbsent" }, advance);
      const previous = await backend.setIfAbsentGet(command.key, command.value, command.ttl);
      const expected = model.setIfAbsentGet(command.key, command.value, command.ttl);
      assert.deepStrictEqual(previous, expected, "setIfAbsentGet()");
      return;
    }
    case "delete":
      await backend.delete(command.key);
      model.delete(command.key);
      return;
    case "clear":
      await backend.clear();
      model.clear();
      return;
    case "advance":
      advance(command.ms);
      model.advance(command.ms);
      return;
  }
}

async function runModel(context: BackendCheckContext): Promise<void> {
  const fakeClock = context.hasFakeClock;
  const property = fc.asyncProperty(
    fc.array(commandArbitrary(fakeClock), { minLength: 1, maxLength: 40 }),
    async (commands) => {
      const { backend, advance } = fakeClock
        ? await context.createWithFakeClock()
        : { backend: await context.createBackend(), advance: () => {} };
      try {
        const model = new ReferenceModel();
        for (const command of commands) await step(backend, model, command, advance);
        // Finish with a full read so writes never read back still count.
        for (const key of keys) {
          assert.deepStrictEqual(await backend.get(key), model.get(key), `final get(${key})`);
        }
      } finally {
        // One backend per run; dispose now so a network backend's connections stay bounded.
        await context.dispose(backend);
      }
    },
  );
  await fc.assert(property, { numRuns: context.modelRuns });
}

/** The `model` group. */
export const modelChecks: readonly BackendCheck[] = defineChecks("model", [
  {
    name: "referenceModel",
    title: "random operation sequences agree with a reference model (fast-check)",
    timeoutMs: 120_000,
    run: runModel,
  },
]);
