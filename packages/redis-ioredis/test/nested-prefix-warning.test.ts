/** A backend whose prefix nests with one built before on the same server is warned about once. */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";
import { ioredisDriver } from "../src/index.js";
import { recordingLogger } from "./support/recording-logger.js";
import { testPrefix } from "./support/test-prefix.js";

// No server is needed: building a backend never touches the network.
const URL_A = "redis://127.0.0.1:1";
const URL_B = "redis://127.0.0.1:2";

const built: ApiKeyCacheBackend[] = [];
afterEach(async () => {
  await Promise.all(built.splice(0).map((backend) => backend.close()));
});

function build(url: string, keyPrefix: string) {
  const logger = recordingLogger();
  built.push(ioredisDriver.createBackend({ url, keyPrefix, logger, commandTimeoutMs: 200 }));
  return logger.lines.filter((line) => line.level === "warn").map((line) => line.message);
}

describe("nested key prefixes", () => {
  it("warns when a prefix extends, or is extended by, one built on the same server", () => {
    const outer = testPrefix("nest");
    expect(build(URL_A, outer)).toEqual([]);
    const inner = build(URL_A, `${outer}tenant2:`);
    expect(inner).toHaveLength(1);
    expect(inner[0]).toContain(JSON.stringify(outer));
    expect(inner[0]).toContain(JSON.stringify(`${outer}tenant2:`));
    expect(inner[0]).toContain("clear()");
    // The other way round: a shorter prefix built after a longer one.
    const late = testPrefix("late");
    expect(build(URL_A, `${late}x:`)).toEqual([]);
    expect(build(URL_A, late)).toHaveLength(1);
  });

  it("stays quiet for the same prefix again, siblings, and other servers", () => {
    const prefix = testPrefix("quiet");
    expect(build(URL_A, prefix)).toEqual([]);
    expect(build(URL_A, prefix)).toEqual([]);
    expect(build(URL_A, `${prefix.slice(0, -1)}-sibling:`)).toEqual([]);
    expect(build(URL_B, `${prefix}tenant:`)).toEqual([]);
  });
});
