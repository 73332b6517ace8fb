/** The client-free eviction helpers of the Redis engine: the maxmemory-policy reply and warning, the marker budget. */
import { describe, expect, it } from "vitest";
import { encodeCachedApiKey, NOT_FOUND_MARKER, REVOKED_MARKER } from "../src/index.js";
import {
  evictsCacheKeys,
  maxmemoryWarning,
  NegativeMarkerBudget,
  parseMaxmemoryReply,
} from "../src/redis/index.js";

describe("parseMaxmemoryReply", () => {
  it("reads a RESP2 array, a RESP3 Map and a plain object", () => {
    const expected = { policy: "allkeys-lru", maxmemoryBytes: 1048576 };
    const pairs = [
      "maxmemory",
      "1048576",
      "maxmemory-policy",
      "allkeys-lru",
      "maxmemory-samples",
      "5",
    ];
    expect(parseMaxmemoryReply(pairs)).toEqual(expected);
    expect(
      parseMaxmemoryReply(
        new Map([
          ["maxmemory-policy", "allkeys-lru"],
          ["maxmemory", "1048576"],
        ]),
      ),
    ).toEqual(expected);
    expect(
      parseMaxmemoryReply({ "maxmemory-policy": "allkeys-lru", maxmemory: "1048576" }),
    ).toEqual(expected);
  });

  it("gives undefined without a policy, and 0 bytes for a missing or odd limit", () => {
    expect(parseMaxmemoryReply([])).toBeUndefined();
    expect(parseMaxmemoryReply(null)).toBeUndefined();
    expect(parseMaxmemoryReply("OK")).toBeUndefined();
    expect(parseMaxmemoryReply(["maxmemory-policy", "noeviction"])).toEqual({
      policy: "noeviction",
      maxmemoryBytes: 0,
    });
    expect(parseMaxmemoryReply(["maxmemory-policy", "noeviction", "maxmemory", "x"])).toEqual({
      policy: "noeviction",
      maxmemoryBytes: 0,
    });
  });
});

describe("maxmemoryWarning", () => {
  it("names allkeys-* and volatile-* policies, never noeviction", () => {
    for (const policy of [
      "allkeys-lru",
      "allkeys-lfu",
      "allkeys-random",
      "volatile-lru",
      "volatile-lfu",
      "volatile-random",
      "volatile-ttl",
    ]) {
      expect(evictsCacheKeys(policy)).toBe(true);
      const warning = maxmemoryWarning([{ policy, maxmemoryBytes: 1 << 20 }], "B");
      expect(warning).toContain(`maxmemory-policy is ${policy}:`);
      expect(warning).toContain("tombstones");
      expect(warning).toContain("checkMaxmemoryPolicy: false");
    }
    expect(evictsCacheKeys("noeviction")).toBe(false);
    expect(
      maxmemoryWarning([{ policy: "noeviction", maxmemoryBytes: 1 << 20 }], "B"),
    ).toBeUndefined();
    expect(maxmemoryWarning([], "B")).toBeUndefined();
  });

  it("counts the masters that evict and says when no limit is set yet", () => {
    const warning = maxmemoryWarning(
      [
        { policy: "noeviction", maxmemoryBytes: 0 },
        { policy: "allkeys-lru", maxmemoryBytes: 0 },
        { policy: "noeviction", maxmemoryBytes: 0 },
      ],
      "B",
    );
    expect(warning).toMatch(
      /^B: Redis maxmemory-policy is allkeys-lru on 1 of 3 masters \(maxmemory is 0 now/,
    );
  });
});

describe("NegativeMarkerBudget", () => {
  const marker = encodeCachedApiKey(NOT_FOUND_MARKER);

  it("gives the first perSecond markers of each second their TTL and caps the rest", () => {
    let now = 0;
    const budget = new NegativeMarkerBudget(3, 500, () => now);
    expect([1, 2, 3, 4, 5].map(() => budget.ttlFor(marker, 30_000))).toEqual([
      30_000, 30_000, 30_000, 500, 500,
    ]);
    now = 999;
    expect(budget.ttlFor(marker, 30_000)).toBe(500);
    now = 1000;
    expect(budget.ttlFor(marker, 30_000)).toBe(30_000);
    // A cap longer than the marker's own TTL never lengthens it.
    expect(new NegativeMarkerBudget(0, 60_000, () => now).ttlFor(marker, 30_000)).toBe(30_000);
  });

  it("leaves records, tombstones and TTL 0 alone, and does not count them", () => {
    const budget = new NegativeMarkerBudget(1, 0, () => 0);
    expect(budget.ttlFor(encodeCachedApiKey(REVOKED_MARKER), 60_000)).toBe(60_000);
    expect(budget.ttlFor(encodeCachedApiKey({ apiKey: "ak", active: true }), 60_000)).toBe(60_000);
    expect(budget.ttlFor(marker, 0)).toBe(0);
    expect(budget.ttlFor(marker, 30_000)).toBe(30_000);
    expect(budget.ttlFor(marker, 30_000)).toBe(0);
  });
});
