/**
 * `DATABASE_URL=postgres://…`: the demo as an operator runs it, two workers on PostgreSQL (a
 * schema of its own), driven over real HTTP. Runs when DATABASE_URL is set (CI sets it where a
 * server answers); otherwise the test name says it did not run.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoProcess, startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { PostgresKeyStore } from "../src/key-store/postgres-key-store.js";
import { warmEveryWorker, watchRevocation, whoami } from "../src/revocation-probe.js";
import { createKey, revokeKey, tempDataDir } from "./helpers.js";
import { POSTGRES_SKIP_REASON, TEST_DATABASE_URL, tempPostgresSchema } from "./postgres-schema.js";

const url = TEST_DATABASE_URL ?? "";

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `the demo on PostgreSQL, two workers${TEST_DATABASE_URL === undefined ? ` ${POSTGRES_SKIP_REASON}` : ""}`,
  () => {
    const schema = tempPostgresSchema(url);
    // SQLite must not be touched: DATA_DIR points at an empty folder that must stay empty.
    const dataDir = tempDataDir();
    let demo: DemoProcess;
    const env = (): Record<string, string> => ({
      DATABASE_URL: url,
      DATABASE_SCHEMA: schema.name,
      DATA_DIR: `${dataDir.path}/unused`,
      WORKERS: "2",
      APIKEY_CACHE_TTL_SECONDS: "1",
    });

    beforeAll(async () => {
      demo = await startDemoProcess({ env: env() });
    });
    afterAll(async () => {
      await demo?.stop("SIGKILL");
      await schema.drop();
      dataDir.remove();
    });

    it("creates its table and admin key in the schema, and says so in the banner and /healthz", async () => {
      expect(demo.adminKey).toMatch(/^ak_/);
      expect(existsSync(`${dataDir.path}/unused`)).toBe(false);
      expect(demo.output()).toContain(`database: postgres `);
      expect(demo.output()).toContain(`schema ${schema.name}`);
      const health = await sendRequest(`${demo.url}/healthz`);
      expect(health.json).toMatchObject({
        status: "ok",
        database: { kind: "postgres", reachable: true },
      });
      const store = await PostgresKeyStore.open({
        connectionString: url,
        schema: schema.name,
        migrate: false,
      });
      try {
        const keys = await store.list();
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatchObject({ name: "admin", admin: true, revokedAt: null });
      } finally {
        await store.close();
      }
    });

    it("authenticates a new key on every worker, and every worker rejects it once revoked", async () => {
      const admin = demo.adminKey ?? "";
      const { id, key } = await createKey(demo.url, admin, "pg-key");
      const warmed = await warmEveryWorker(demo.url, key, demo.workerPids);
      expect([...warmed].sort()).toEqual([...demo.workerPids].sort());
      const me = await sendRequest(`${demo.url}/v1/whoami`, { headers: { "x-api-key": key } });
      expect(me.json).toMatchObject({ id, name: "pg-key", admin: false });
      const listed = await sendRequest(`${demo.url}/admin/keys`, {
        headers: { "x-api-key": admin },
      });
      expect((listed.json as { keys: Array<{ id: string }> }).keys.map((k) => k.id)).toContain(id);

      await revokeKey(demo.url, admin, id);
      // Memory backend, 1 s TTL: once each worker's entry expires it reloads the key from
      // Postgres and finds it revoked, so every worker converges on 401.
      const seen = await watchRevocation(demo.url, key, demo.workerPids, 1_000 + 2_000);
      expect(seen.convergedMs).toBeDefined();
      expect((await whoami(demo.url, key)).status).toBe(401);
    });

    it("a second start on the same schema finds the admin key and prints none", async () => {
      await demo.stop("SIGTERM");
      demo = await startDemoProcess({ env: env() });
      expect(demo.adminKey).toBeUndefined();
      expect(demo.output()).toContain("admin key was printed on the first start");
      expect((await whoami(demo.url, `ak_${"Q".repeat(43)}`)).status).toBe(401);
    });
  },
);
