/** Starting the demo with a bad or incomplete configuration. */
import { afterAll, describe, expect, it } from "vitest";
import { runDemoToExit, startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { tempDataDir } from "./helpers.js";

describe("start-up configuration", () => {
  const dataDir = tempDataDir();
  afterAll(() => dataDir.remove());

  it("refuses a bad variable with a message naming it and the allowed values", async () => {
    const result = await runDemoToExit({
      DATA_DIR: dataDir.path,
      APIKEY_CACHE_BACKEND: "memcache",
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("APIKEY_CACHE_BACKEND");
    expect(result.output).toContain("memory, redis, tiered");
  });

  it("falls back to memory with the reference's warning when redis has no REDIS_URL", async () => {
    const demo = await startDemoProcess({
      env: { DATA_DIR: dataDir.path, WORKERS: "1", APIKEY_CACHE_BACKEND: "redis" },
    });
    try {
      expect(demo.output()).toContain(
        "APIKEY_CACHE_BACKEND=redis but REDIS_URL is empty; falling back to the in-process API key cache.",
      );
      const health = await sendRequest(`${demo.url}/healthz`);
      expect(health.json).toMatchObject({ cache: { backend: "memory", configured: "redis" } });
    } finally {
      expect(await demo.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
