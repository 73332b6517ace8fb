/**
 * The suite proves its worth here: run every check against deliberately broken backends and
 * assert each fault is caught by exactly the checks meant to catch it, while correct backends
 * pass everything.
 */
import { InMemoryApiKeyCacheBackend } from "@apikey/core";
import { describe, expect, it } from "vitest";
import {
  type BackendCheckResult,
  type BackendConformanceOptions,
  listBackendChecks,
  runBackendChecks,
} from "../src/index.js";
import { type BackendFaults, FaultyBackend } from "./faulty-backend.js";

/** Options for a FaultyBackend with `faults`, including a peer and a fake clock. */
function faultyOptions(faults: BackendFaults): BackendConformanceOptions<FaultyBackend> {
  return {
    createBackend: () => new FaultyBackend({ faults }),
    createPeer: (backend) => new FaultyBackend({ faults, namespace: backend.namespace }),
    createWithFakeClock: () => {
      let now = 0;
      return {
        backend: new FaultyBackend({ faults, now: () => now }),
        advance: (ms) => {
          now += ms;
        },
      };
    },
    capabilities: { sharedBetweenInstances: true },
  };
}

function idsWithStatus(
  results: BackendCheckResult[],
  status: BackendCheckResult["status"],
): string[] {
  return results
    .filter((result) => result.status === status)
    .map((result) => result.id)
    .sort();
}

/** Failures with their errors, so an unexpected one explains itself in the test output. */
function failureReport(results: BackendCheckResult[]): string {
  return results
    .filter((result) => result.status === "failed")
    .map(
      (result) =>
        `${result.id}: ${String((result.error as Error | undefined)?.message ?? result.error)}`,
    )
    .join("\n");
}

const CHECK_RUN_TIMEOUT_MS = 120_000;

describe("runBackendChecks against correct backends", () => {
  it(
    "InMemoryApiKeyCacheBackend passes every check (cross-instance ones skipped: no peer)",
    async () => {
      let now = 0;
      const results = await runBackendChecks({
        createBackend: () => new InMemoryApiKeyCacheBackend(),
        createWithFakeClock: () => ({
          backend: new InMemoryApiKeyCacheBackend({ now: () => now }),
          advance: (ms) => {
            now += ms;
          },
        }),
      });
      expect(results).toHaveLength(listBackendChecks().length);
      expect(idsWithStatus(results, "failed"), failureReport(results)).toEqual([]);
      expect(idsWithStatus(results, "skipped")).toEqual(
        listBackendChecks(["crossInstance"])
          .map((check) => check.id)
          .sort(),
      );
    },
    CHECK_RUN_TIMEOUT_MS,
  );

  it(
    "the fault-free FaultyBackend passes every check, cross-instance ones included",
    async () => {
      const results = await runBackendChecks(faultyOptions({}));
      expect(idsWithStatus(results, "failed"), failureReport(results)).toEqual([]);
      expect(idsWithStatus(results, "skipped")).toEqual([]);
      expect(idsWithStatus(results, "passed")).toHaveLength(listBackendChecks().length);
    },
    CHECK_RUN_TIMEOUT_MS,
  );
});

describe("runBackendChecks catches broken backends", () => {
  const cases: { fault: keyof BackendFaults; description: string; caughtBy: string[] }[] = [
    {
      fault: "ignoresTtl",
      description: "a backend that ignores TTLs",
      caughtBy: [
        "crossInstance.peerShortTtl",
        "model.referenceModel",
        "setIfAbsent.afterExpiry",
        "ttl.expires",
        "ttl.fakeClockExact",
        "ttl.fakeClockGetWithTtl",
        "ttl.fakeClockOverwrite",
        "ttl.fractional",
        "ttl.getWithTtl",
        "ttl.notRoundedDown",
        "ttl.overwriteShortens",
        "ttl.setIfAbsent",
      ],
    },
    {
      fault: "returnsByReference",
      description: "a backend that returns the stored object by reference",
      caughtBy: [
        "isolation.freshObjects",
        "isolation.frozenValues",
        "isolation.mutateAfterGet",
        "isolation.mutateAfterRead",
        "isolation.mutateAfterSet",
        "isolation.mutateAfterSetIfAbsent",
        "ttl.getWithTtl",
      ],
    },
    {
      fault: "returnsMutableCopies",
      description: "a backend that returns a fresh mutable copy on every read",
      caughtBy: ["isolation.frozenValues"],
    },
    {
      fault: "sharesShallowFrozenCopy",
      description: "a backend that hands every read one copy frozen only at its top level",
      caughtBy: [
        "isolation.freshObjects",
        "isolation.frozenValues",
        "isolation.mutateAfterGet",
        "isolation.mutateAfterRead",
        "ttl.getWithTtl",
      ],
    },
    {
      fault: "stalePeek",
      description: "a backend whose peek() answers from copies that ignore expiry and deletes",
      caughtBy: ["peek.afterWrites", "peek.expired", "peek.fakeClockExpiry"],
    },
    {
      fault: "clearsEveryNamespace",
      description: "a backend whose clear() clears other namespaces",
      caughtBy: ["clear.otherNamespace"],
    },
    {
      fault: "outlivesPeerEntries",
      description: "a backend that keeps copies of a peer's entries past their TTL",
      caughtBy: ["crossInstance.peerShortTtl"],
    },
    {
      fault: "racySetIfAbsent",
      description: "a backend whose setIfAbsent() is a non-atomic read-then-write",
      caughtBy: [
        "concurrency.mixedOperations",
        "concurrency.setIfAbsentRace",
        "crossInstance.setIfAbsentShared",
      ],
    },
  ];

  for (const { fault, description, caughtBy } of cases) {
    it(
      `${description} fails exactly ${caughtBy.join(", ")}`,
      async () => {
        const results = await runBackendChecks(faultyOptions({ [fault]: true }));
        expect(idsWithStatus(results, "failed"), failureReport(results)).toEqual(caughtBy);
        for (const result of results.filter((each) => each.status === "failed")) {
          expect(result.error).toBeInstanceOf(Error);
        }
      },
      CHECK_RUN_TIMEOUT_MS,
    );
  }

  it("reports a check that throws a non-assertion error as failed, and disposes its backends", async () => {
    const closed: string[] = [];
    const results = await runBackendChecks(
      {
        createBackend: () => {
          const backend = new FaultyBackend();
          backend.get = async () => {
            throw new TypeError("store exploded");
          };
          return backend;
        },
        dispose: async (backend) => {
          closed.push(backend.namespace);
          await backend.close();
        },
      },
      { ids: ["basic.miss", "basic.roundTrip"] },
    );
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ["basic.miss", "failed"],
      ["basic.roundTrip", "failed"],
    ]);
    expect(results[0]?.error).toMatchObject({ message: "store exploded" });
    expect(closed).toHaveLength(2);
  });
});
