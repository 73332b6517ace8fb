/** `startDemoServer`: the in-process entry point the benchmark uses (auth on, and off as baseline). */
import { afterAll, describe, expect, it } from "vitest";
import { sendRequest } from "../src/http-client.js";
import { startDemoServer } from "../src/server.js";
import { tempDataDir } from "./helpers.js";

describe("startDemoServer", () => {
  const dataDir = tempDataDir();
  afterAll(() => dataDir.remove());

  it("serves whoami for a key it created, and nothing without one", async () => {
    const server = await startDemoServer({
      env: {},
      overrides: { port: 0, dataDir: dataDir.path },
    });
    try {
      expect(server.adminKey).toMatch(/^ak_/);
      const { id, key } = await server.createApiKey("bench");
      const ok = await sendRequest(`${server.url}/v1/whoami`, { headers: { "x-api-key": key } });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ id, name: "bench", pid: process.pid });
      expect((await sendRequest(`${server.url}/v1/whoami`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("with APIKEY_AUTH=off answers whoami without a lookup but still guards the admin routes", async () => {
    const server = await startDemoServer({
      env: { APIKEY_AUTH: "off" },
      overrides: { port: 0, dataDir: dataDir.path },
    });
    try {
      // Second start on the same folder: the admin key exists, so none is returned.
      expect(server.adminKey).toBeUndefined();
      const anonymous = await sendRequest(`${server.url}/v1/whoami`);
      expect(anonymous.status).toBe(200);
      expect(anonymous.json).toMatchObject({ id: null, name: "anonymous" });
      expect(server.container.resolver.stats().loads).toBe(0);
      const admin = await sendRequest(`${server.url}/admin/keys`, { method: "POST", body: {} });
      expect(admin.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
