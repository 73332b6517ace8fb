/**
 * The demo as an operator runs it: `src/main.ts` with two worker processes on the memory
 * backend, driven over real HTTP. The last test stops it with SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoProcess, startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { warmEveryWorker, watchRevocation, whoami } from "../src/revocation-probe.js";
import {
  createKey,
  databaseWriteProbe,
  isRunning,
  revokeKey,
  tempDataDir,
  waitFor,
} from "./helpers.js";

describe("memory backend, two workers", () => {
  const dataDir = tempDataDir();
  let demo: DemoProcess;
  let adminKey: string;

  beforeAll(async () => {
    demo = await startDemoProcess({
      env: { DATA_DIR: dataDir.path, WORKERS: "2", APIKEY_CACHE_TTL_SECONDS: "1" },
    });
    adminKey = demo.adminKey ?? "";
  });

  afterAll(async () => {
    await demo?.stop("SIGKILL");
    dataDir.remove();
  });

  it("prints the URL, the admin key and a curl line on the first start", () => {
    expect(demo.workerPids).toHaveLength(2);
    expect(adminKey).toMatch(/^ak_[A-Za-z0-9_-]{43}$/);
    expect(demo.output()).toContain(`curl -s -X POST ${demo.url}/admin/keys`);
  });

  it("creates a key, authenticates it on every worker, and stops accepting it after revocation", async () => {
    const { id, key } = await createKey(demo.url, adminKey);
    const warmed = await warmEveryWorker(demo.url, key, demo.workerPids);
    expect([...warmed].sort()).toEqual([...demo.workerPids].sort());

    const bearer = await sendRequest(`${demo.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.json).toMatchObject({ id, name: "test", admin: false });
    expect(demo.workerPids).toContain((bearer.json as { pid: number }).pid);
    expect(bearer.text).not.toContain(key);

    await revokeKey(demo.url, adminKey, id);
    // Memory: the other worker may serve its copy until the 1 s TTL runs out.
    const seen = await watchRevocation(demo.url, key, demo.workerPids, 1_000 + 2_000);
    expect(seen.convergedMs).toBeDefined();
    expect((await whoami(demo.url, key)).status).toBe(401);
  });

  it("answers 401 to missing, malformed, oversized and unknown keys without writing the database", async () => {
    const probe = databaseWriteProbe(dataDir.path);
    try {
      const before = probe.snapshot();
      const cases: Array<[Record<string, string>, string]> = [
        [{}, "missing_api_key"],
        [{ "x-api-key": "hello" }, "malformed_api_key"],
        [{ authorization: "Basic dXNlcjpwYXNz" }, "malformed_api_key"],
        [{ "x-api-key": `ak_${"A".repeat(1100)}` }, "oversized_api_key"],
        [{ "x-api-key": `ak_${"B".repeat(43)}` }, "invalid_api_key"],
        [{ authorization: `Bearer ak_${"C".repeat(43)}` }, "invalid_api_key"],
      ];
      for (const [headers, error] of cases) {
        // Twice: once on each worker (connections alternate), the second from the negative cache.
        for (let i = 0; i < 2; i += 1) {
          const response = await sendRequest(`${demo.url}/v1/whoami`, { headers });
          expect(response.status).toBe(401);
          expect(response.json).toMatchObject({ error });
          for (const value of Object.values(headers)) expect(response.text).not.toContain(value);
        }
      }
      expect(probe.snapshot()).toEqual(before);
    } finally {
      probe.close();
    }
  });

  it("keeps the admin routes for admin keys, refusing others before the body is read and without writing", async () => {
    const { id, key } = await createKey(demo.url, adminKey, "not-admin");
    const probe = databaseWriteProbe(dataDir.path);
    try {
      const before = probe.snapshot();
      const refusals: Array<[string, "POST" | "DELETE", Record<string, string>, unknown, number]> =
        [
          ["/admin/keys", "POST", { "x-api-key": key }, {}, 403],
          ["/admin/keys", "POST", {}, {}, 401],
          // A body the schema rejects: the caller still only learns that it needs a key.
          ["/admin/keys", "POST", {}, { admin: "yes", extra: 1 }, 401],
          ["/admin/keys", "POST", { "x-api-key": key }, { admin: "yes" }, 403],
          [`/admin/keys/${id}`, "DELETE", { "x-api-key": key }, undefined, 403],
          [`/admin/keys/${id}`, "DELETE", {}, undefined, 401],
        ];
      for (const [path, method, headers, body, status] of refusals) {
        const response = await sendRequest(`${demo.url}${path}`, { method, headers, body });
        expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
        expect(response.json).toMatchObject({
          error: status === 403 ? "forbidden" : "missing_api_key",
        });
        expect(response.text).not.toContain("body/");
      }
      expect(probe.snapshot()).toEqual(before);
    } finally {
      probe.close();
    }
    expect((await whoami(demo.url, key)).status).toBe(200);
    const invalid = await sendRequest(`${demo.url}/admin/keys`, {
      method: "POST",
      headers: { "x-api-key": adminKey },
      body: { admin: "yes" },
    });
    expect(invalid.status).toBe(400);
    const missing = await sendRequest(`${demo.url}/admin/keys/key_nothere`, {
      method: "DELETE",
      headers: { "x-api-key": adminKey },
    });
    expect(missing.status).toBe(404);
  });

  it("refuses to revoke the last active admin key with 409", async () => {
    const listed = await sendRequest(`${demo.url}/admin/keys`, {
      headers: { "x-api-key": adminKey },
    });
    const admins = (
      listed.json as { keys: Array<{ id: string; admin: boolean; revokedAt: unknown }> }
    ).keys.filter((summary) => summary.admin && summary.revokedAt === null);
    expect(admins).toHaveLength(1);
    const adminId = admins[0]?.id ?? "";
    const refused = await sendRequest(`${demo.url}/admin/keys/${adminId}`, {
      method: "DELETE",
      headers: { "x-api-key": adminKey },
    });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: "last_admin_key" });
    expect((await whoami(demo.url, adminKey)).status).toBe(200);

    // With a second admin key, either may go, and then the other is the last one.
    const second = await sendRequest(`${demo.url}/admin/keys`, {
      method: "POST",
      headers: { "x-api-key": adminKey },
      body: { name: "second-admin", admin: true },
    });
    expect(second.status).toBe(201);
    const secondAdmin = second.json as { id: string; key: string };
    await revokeKey(demo.url, secondAdmin.key, adminId);
    const lastRefused = await sendRequest(`${demo.url}/admin/keys/${secondAdmin.id}`, {
      method: "DELETE",
      headers: { "x-api-key": secondAdmin.key },
    });
    expect(lastRefused.status).toBe(409);
    adminKey = secondAdmin.key;
  });

  it("reports health and Prometheus metrics", async () => {
    const health = await sendRequest(`${demo.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: "ok",
      cache: { backend: "memory", reachable: true },
      database: { reachable: true },
    });
    const metrics = await sendRequest(`${demo.url}/metrics`);
    expect(metrics.headers["content-type"]).toContain("text/plain");
    for (const name of [
      "apikey_cache_hits_total",
      "apikey_cache_misses_total",
      "apikey_cache_negative_hits_total",
      "apikey_cache_loads_total",
      "apikey_cache_load_errors_total",
      "apikey_cache_backend_errors_total",
      "apikey_cache_timeouts_total",
      'apikey_cache_circuit_state{state="closed"} 2',
      'http_requests_total{method="GET",route="/v1/whoami",status="401"}',
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/whoami"}',
    ]) {
      expect(metrics.text).toContain(name);
    }
  });

  it("exits 0 on SIGTERM and leaves no worker behind", async () => {
    const exit = await demo.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => demo.workerPids.every((pid) => !isRunning(pid)), 5_000)).toBe(true);
  });
});
