/**
 * A backend whose prefix nests with one the driver built before on the same server is warned
 * about once (`clear()` on the outer prefix also removes the inner one's keys). Building a
 * backend never touches the network, so no server is needed.
 */
import type { ApiKeyCacheBackend, RedisDriver } from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const URL_A = "redis://127.0.0.1:1";
const URL_B = "redis://127.0.0.1:2";

/** Register the nested-prefix warning checks of `driver`. */
export function describeRedisNestedPrefixes(name: string, driver: RedisDriver): void {
  describe(`${name}: nested key prefixes`, () => {
    const built: ApiKeyCacheBackend[] = [];
    afterEach(async () => {
      await Promise.all(built.splice(0).map((backend) => backend.close()));
    });
    /** The warnings logged while building one backend. */
    const build = (url: string, keyPrefix: string): string[] => {
      const logger = recordingLogger();
      built.push(driver.createBackend({ url, keyPrefix, logger, commandTimeoutMs: 200 }));
      return logger.at("warn");
    };

    it("warns when a prefix extends, or is extended by, one built on the same server", () => {
      const outer = redisTestPrefix("nest");
      expect(build(URL_A, outer)).toEqual([]);
      const inner = build(URL_A, `${outer}tenant2:`);
      expect(inner).toHaveLength(1);
      expect(inner[0]).toContain(JSON.stringify(outer));
      expect(inner[0]).toContain(JSON.stringify(`${outer}tenant2:`));
      expect(inner[0]).toContain("clear()");
      // The other way round: a shorter prefix built after a longer one.
      const late = redisTestPrefix("late");
      expect(build(URL_A, `${late}x:`)).toEqual([]);
      expect(build(URL_A, late)).toHaveLength(1);
    });

    it("stays quiet for the same prefix again, siblings, and other servers", () => {
      const prefix = redisTestPrefix("quiet");
      expect(build(URL_A, prefix)).toEqual([]);
      expect(build(URL_A, prefix)).toEqual([]);
      expect(build(URL_A, `${prefix.slice(0, -1)}-sibling:`)).toEqual([]);
      expect(build(URL_B, `${prefix}tenant:`)).toEqual([]);
    });
  });
}
