/** Goal verdicts carry their figures and a signed margin: a missed goal shows by how much. */
import { describe, expect, it } from "vitest";
import { GoalBook, ratioMargin } from "../src/harness/goals.js";

describe("GoalBook", () => {
  it("records a ratio goal with its value, threshold and margin", () => {
    const goals = new GoalBook();
    const met = goals.ratio("redis-get", "ours / raw @256", 1.62, 1.5);
    const missed = goals.ratio("redis-get", "ours / raw @1", 0.81, 0.9);
    expect(met).toMatchObject({
      direction: "atLeast",
      value: 1.62,
      threshold: 1.5,
      measured: "1.62x",
      goal: ">= 1.50x",
      passed: true,
      margin: "+0.12x (+8%)",
    });
    expect(missed).toMatchObject({ passed: false, margin: "-0.09x (-10%)" });
    expect(goals.verdicts).toEqual([met, missed]);
  });

  it("records latency and count goals with their margins", () => {
    const goals = new GoalBook();
    expect(goals.latencyBelow("tiered", "revocation", "p99", 3.37, 50)).toMatchObject({
      direction: "below",
      measured: "p99 3.37 ms",
      goal: "p99 < 50.00 ms",
      passed: true,
      margin: "+46.63 ms",
    });
    expect(goals.countAtMost("stampede", "loads", 2, 1, "loader calls")).toMatchObject({
      direction: "atMost",
      measured: "2 loader calls",
      goal: "<= 1 loader calls",
      passed: false,
      margin: "-1.00",
    });
  });

  it("says n/a for a ratio that could not be measured, and fails it", () => {
    expect(ratioMargin(Number.NaN, 0.9)).toBe("n/a");
    expect(new GoalBook().ratio("s", "x", Number.NaN, 0.9).passed).toBe(false);
  });
});
