/** `pnpm bench` options: the quick profile, flags over environment, clear errors. */
import { describe, expect, it } from "vitest";
import { parseBenchOptions, SUITE_NAMES } from "../src/harness/bench-options.js";

describe("parseBenchOptions", () => {
  it("runs every suite with the full profile by default", () => {
    expect(parseBenchOptions([], {})).toEqual({
      profile: "full",
      suites: [...SUITE_NAMES],
      durationMs: 2000,
      warmupMs: 500,
      runs: 3,
      httpDurationMs: 4000,
      revocationSamples: 500,
    });
  });

  it("shortens everything with --quick or BENCH_QUICK=1, and explicit flags still win", () => {
    const quick = { profile: "quick", durationMs: 200, warmupMs: 100, runs: 1 };
    expect(parseBenchOptions(["--", "--quick"], {})).toMatchObject({
      ...quick,
      httpDurationMs: 1000,
      revocationSamples: 20,
    });
    expect(parseBenchOptions([], { BENCH_QUICK: "1" })).toMatchObject(quick);
    expect(parseBenchOptions(["--quick", "--runs", "2"], {})).toMatchObject({ runs: 2 });
  });

  it("keeps the suites in run order whatever order they are named in", () => {
    expect(parseBenchOptions(["--suite", "http,memory,cluster-get"], {}).suites).toEqual([
      "memory",
      "cluster-get",
      "http",
    ]);
  });

  it("rejects an unknown suite and a bad number with E_CONFIG, naming the valid values", () => {
    expect(() => parseBenchOptions(["--runs", "0"], {})).toThrow(
      expect.objectContaining({ code: "E_CONFIG" }),
    );
    expect(() => parseBenchOptions(["--suite", "memroy"], {})).toThrow(
      /unknown suite "memroy"; valid suites: memory, redis-get/,
    );
    expect(() => parseBenchOptions(["--duration", "0"], {})).toThrow(
      '--duration must be a positive number of seconds, got "0"',
    );
    expect(() => parseBenchOptions(["--runs", "1.5"], {})).toThrow(
      '--runs must be a positive integer, got "1.5"',
    );
  });
});
