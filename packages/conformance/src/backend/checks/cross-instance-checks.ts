/**
 * Two instances on one store (`createPeer`): what one writes, deletes or clears, the other
 * sees within `peerConvergenceMs`. A peer that converges at once (Redis) is read once; one
 * with a convergence bound (tiered: the bus) is polled every 10 ms for that bound plus up to
 * 1 s of slack for a loaded machine, never less than the bound and otherwise at most 2 s.
 * A peer's entry with a short TTL must also be gone from the other instance once the TTL has
 * passed: a copy the reader keeps (tiered: its L1) must not outlive the entry it copies.
 */
import { strict as assert } from "node:assert";
import { isDeepStrictEqual } from "node:util";
import type { ApiKeyCacheBackend, CachedApiKey } from "@apikey/core";
import { monotonicNow, pollUntil } from "../../check-timing.js";
import {
  type BackendCheck,
  type BackendCheckContext,
  type BackendCheckDefinition,
  defineChecks,
  type ResolvedCapabilities,
} from "../backend-check.js";
import { sampleKey, sampleValue } from "../check-fixtures.js";
import type { BackendConformanceOptions } from "../conformance-options.js";

/** The short TTL of `crossInstance.peerShortTtl`, in seconds. */
const SHORT_TTL_SECONDS = 0.3;
/** Slack on top of the TTL and its tolerance before a peer's expired entry must be gone. */
const EXPIRY_SLACK_MS = 1_000;
/** Tries before the short-TTL check gives up on a machine too slow to judge it. */
const ATTEMPTS = 3;

function convergenceBudgetMs(capabilities: ResolvedCapabilities): number {
  const bound = capabilities.peerConvergenceMs;
  return bound <= 0 ? 0 : Math.max(bound, Math.min(bound + 1_000, 2_000));
}

function needsPeer(options: BackendConformanceOptions): string | undefined {
  if (!options.createPeer) return "no createPeer";
  if (!options.capabilities?.sharedBetweenInstances) return "instances do not share entries";
  return undefined;
}

/** The two instances of a `crossInstance` check: `reader` is a peer of `writer`. */
interface Peers {
  readonly writer: ApiKeyCacheBackend;
  readonly reader: ApiKeyCacheBackend;
}

/** A check that runs on a backend and its peer, not registered when the options have none. */
function peerCheck(
  definition: Omit<BackendCheckDefinition, "run" | "unsupportedReason"> & {
    run(peers: Peers, context: BackendCheckContext): Promise<void>;
  },
): BackendCheckDefinition {
  const { run, ...rest } = definition;
  return {
    ...rest,
    unsupportedReason: needsPeer,
    async run(context) {
      const writer = await context.createBackend();
      await run({ writer, reader: await context.createPeer(writer) }, context);
    },
  };
}

/** Assert `reader` converges to `expected` for `key` within the budget. */
async function assertConverges(
  context: BackendCheckContext,
  reader: ApiKeyCacheBackend,
  key: string,
  expected: CachedApiKey | undefined,
  what: string,
): Promise<void> {
  const budget = convergenceBudgetMs(context.capabilities);
  const { value, accepted } = await pollUntil(
    () => reader.get(key),
    (seen) => isDeepStrictEqual(seen, expected),
    budget,
  );
  if (!accepted) {
    assert.deepStrictEqual(value, expected, `the peer did not see ${what} within ${budget} ms`);
  }
}

/** The `crossInstance` group. */
export const crossInstanceChecks: readonly BackendCheck[] = defineChecks("crossInstance", [
  peerCheck({
    name: "readsWrite",
    title: "a peer reads what another instance wrote",
    async run({ writer, reader }, context) {
      await writer.set(sampleKey(1), sampleValue(1), 60);
      await assertConverges(context, reader, sampleKey(1), sampleValue(1), "the write");
      assert.equal(await reader.setIfAbsent(sampleKey(2), sampleValue(2), 60), true);
      await assertConverges(context, writer, sampleKey(2), sampleValue(2), "the peer's write");
    },
  }),
  peerCheck({
    name: "seesOverwrite",
    title: "a peer that has read a value sees it replaced",
    async run({ writer, reader }, context) {
      await writer.set(sampleKey(1), sampleValue(1), 60);
      await assertConverges(context, reader, sampleKey(1), sampleValue(1), "the write");
      await writer.set(sampleKey(1), sampleValue(2, false), 60);
      await assertConverges(context, reader, sampleKey(1), sampleValue(2, false), "the overwrite");
    },
  }),
  peerCheck({
    name: "seesDelete",
    title: "a peer that has read a value sees it deleted",
    async run({ writer, reader }, context) {
      await writer.set(sampleKey(1), sampleValue(1), 60);
      await assertConverges(context, reader, sampleKey(1), sampleValue(1), "the write");
      await writer.delete(sampleKey(1));
      await assertConverges(context, reader, sampleKey(1), undefined, "the delete");
    },
  }),
  peerCheck({
    name: "seesClear",
    title: "a peer that has read values sees them cleared",
    async run({ writer, reader }, context) {
      await writer.set(sampleKey(1), sampleValue(1), 60);
      await writer.set(sampleKey(2), sampleValue(2), 60);
      await assertConverges(context, reader, sampleKey(1), sampleValue(1), "the first write");
      await assertConverges(context, reader, sampleKey(2), sampleValue(2), "the second write");
      await writer.clear();
      await assertConverges(context, reader, sampleKey(1), undefined, "the clear");
      await assertConverges(context, reader, sampleKey(2), undefined, "the clear");
    },
  }),
  peerCheck({
    name: "setIfAbsentShared",
    title: "setIfAbsent() is decided by the shared store: one winner across instances",
    async run({ writer, reader }) {
      assert.equal(await writer.setIfAbsent(sampleKey(1), sampleValue(1), 60), true);
      assert.equal(
        await reader.setIfAbsent(sampleKey(1), sampleValue(2), 60),
        false,
        "the peer stored over another instance's entry",
      );
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? writer : reader).setIfAbsent(sampleKey(2), sampleValue(index), 60),
        ),
      );
      const winners = outcomes.filter(Boolean).length;
      assert.equal(winners, 1, `${winners} of 20 calls across two instances stored`);
    },
  }),
  peerCheck({
    name: "peerShortTtl",
    title: `a peer's entry with a short TTL (${SHORT_TTL_SECONDS} s), read through another instance (get, setIfAbsentGet), is gone there once the TTL has passed`,
    timeoutMs: 30_000,
    async run({ writer, reader }, context) {
      const ttlMs = SHORT_TTL_SECONDS * 1000;
      const tolerance = context.capabilities.ttlToleranceMs;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const viaGet = sampleKey(`short-ttl:get:${attempt}`);
        const viaSetIfAbsentGet = sampleKey(`short-ttl:setIfAbsentGet:${attempt}`);
        const started = monotonicNow();
        await writer.set(viaGet, sampleValue(1), SHORT_TTL_SECONDS);
        await writer.set(viaSetIfAbsentGet, sampleValue(2), SHORT_TTL_SECONDS);
        const written = monotonicNow();
        const seen = await reader.get(viaGet);
        // Finds the peer's entry (resolvers write loads this way); falls back to get().
        const found =
          reader.setIfAbsentGet === undefined
            ? await reader.get(viaSetIfAbsentGet)
            : await reader.setIfAbsentGet(viaSetIfAbsentGet, sampleValue(3), 60);
        // Judged only if both reads came back well inside the TTL; else retry with new keys.
        if (monotonicNow() >= started + ttlMs - tolerance) continue;
        assert.deepStrictEqual(seen, sampleValue(1), "the reader did not see the peer's entry");
        assert.deepStrictEqual(
          found,
          sampleValue(2),
          "setIfAbsentGet() on the reader did not return the peer's entry",
        );
        // Keep reading (every 10 ms) through the expiry: every read, including those made after
        // the writer's invalidation reached the reader, must stop finding the entry in time.
        const goneBy = written + ttlMs + tolerance + EXPIRY_SLACK_MS;
        const { value, accepted } = await pollUntil(
          () => Promise.all([reader.get(viaGet), reader.get(viaSetIfAbsentGet)]),
          ([first, second]) => first === undefined && second === undefined,
          goneBy - monotonicNow(),
        );
        if (!accepted) {
          assert.deepStrictEqual(
            value,
            [undefined, undefined],
            `the reader still served the peer's ${SHORT_TTL_SECONDS} s entries ${Math.round(monotonicNow() - written)} ms after they were written`,
          );
        }
        return;
      }
      assert.fail(`${ATTEMPTS} attempts were each too slow to judge a ${SHORT_TTL_SECONDS} s TTL`);
    },
  }),
]);
