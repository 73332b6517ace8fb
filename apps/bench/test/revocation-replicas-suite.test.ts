/**
 * The revocation-replicas suite end to end on a real master and replica, with runs short
 * enough for a unit test (figures come from `pnpm bench`, not from here): it records one table
 * with a row per driver, option and concurrency, a with / without ratio per driver and
 * concurrency, the latencies at 1 and 16 in flight, no errors, and the report generator puts
 * its table and latencies into BENCHMARKS.md.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GoalBook } from "../src/harness/goals.js";
import { ResultRecorder } from "../src/harness/results.js";
import { renderReport } from "../src/report/render-report.js";
import { readResults } from "../src/report/results-file.js";
import { revocationReplicasSuite } from "../src/suites/revocation-replicas.js";

const FIXTURE = new URL("./fixtures/results.json", import.meta.url);
const NAMES = [
  "IoredisApiKeyCacheBackend revoke",
  "IoredisApiKeyCacheBackend revoke + WAIT 1",
  "NodeRedisApiKeyCacheBackend revoke",
  "NodeRedisApiKeyCacheBackend revoke + WAIT 1",
];

const recorder = new ResultRecorder();
const goals = new GoalBook();

beforeAll(async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await revocationReplicasSuite.run({
      options: {
        profile: "quick",
        suites: ["revocation-replicas"],
        durationMs: 100,
        warmupMs: 50,
        runs: 1,
        httpDurationMs: 1000,
        revocationSamples: 20,
      },
      goals,
      results: recorder,
    });
  } finally {
    log.mockRestore();
  }
}, 30_000);

afterAll(() => vi.restoreAllMocks());

describe("revocation-replicas suite", () => {
  it("records one table: every driver with and without WAIT at 1 and 16 in flight, no errors", () => {
    expect(recorder.tables).toHaveLength(1);
    const [table] = recorder.tables;
    expect(table?.suite).toBe("revocation-replicas");
    expect(table?.rows.map((row) => [row[0], row[1]])).toEqual(
      ["1", "16"].flatMap((inFlight) => NAMES.map((name) => [inFlight, name])),
    );
    expect(table?.notes).toEqual([
      expect.stringMatching(
        /^ {2}WAIT calls on the master: [\d,]+ for [\d,]+ revokes with revocationReplicas/,
      ),
    ]);
    expect(goals.verdicts).toEqual([]);
  });

  it("records a finite with / without ratio per driver and concurrency, and the latencies", () => {
    expect(recorder.ratios.map((ratio) => ratio.label)).toEqual([
      `${NAMES[1]} / ${NAMES[0]} @1`,
      `${NAMES[3]} / ${NAMES[2]} @1`,
      `${NAMES[1]} / ${NAMES[0]} @16`,
      `${NAMES[3]} / ${NAMES[2]} @16`,
    ]);
    for (const ratio of recorder.ratios) {
      expect(ratio.ratio).toBeGreaterThan(0);
      expect(Number.isFinite(ratio.ratio)).toBe(true);
    }
    expect(recorder.latencies.map((entry) => [entry.concurrency, entry.contender])).toEqual(
      [1, 16].flatMap((inFlight) => NAMES.map((name) => [inFlight, name])),
    );
    for (const entry of recorder.latencies) {
      expect(entry.samples).toBeGreaterThan(0);
      expect(entry.p50Ms).toBeGreaterThan(0);
      expect(entry.p99Ms).toBeGreaterThanOrEqual(entry.p50Ms);
    }
  });

  it("reaches BENCHMARKS.md through the report generator", async () => {
    const fixture = await readResults(FIXTURE.pathname);
    const markdown = renderReport({
      ...fixture,
      tables: recorder.tables,
      ratios: recorder.ratios,
      latencies: recorder.latencies,
      goals: goals.verdicts,
    })["BENCHMARKS.md"];
    expect(markdown).toContain("## revocation-replicas");
    expect(markdown).toContain("revocation-replicas: revoke (SET of the tombstone)");
    expect(markdown).toMatch(/\| NodeRedisApiKeyCacheBackend revoke \+ WAIT 1 +\| - +\|/);
  });
});
