/**
 * The key-store contract, run against every store the demo ships: SQLite always, PostgreSQL
 * when DATABASE_URL is set (each test in its own schema). A new store passes these by adding
 * one entry to STORES.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { ensureAdminKey } from "../src/admin-bootstrap.js";
import type { KeyStore, NewApiKeyRecord } from "../src/key-store/key-store.js";
import { PostgresKeyStore } from "../src/key-store/postgres-key-store.js";
import { SqliteKeyStore } from "../src/key-store/sqlite-key-store.js";
import { tempDataDir } from "./helpers.js";
import { POSTGRES_SKIP_REASON, TEST_DATABASE_URL, tempPostgresSchema } from "./postgres-schema.js";

/** Opens connections to one fresh, empty database for the current test. */
type StoreFactory = () => Promise<{ open(migrate: boolean): Promise<KeyStore> }>;

const sqlite: StoreFactory = async () => {
  const dataDir = tempDataDir();
  onTestFinished(() => dataDir.remove());
  return {
    open: async (migrate) => {
      const store = SqliteKeyStore.open(dataDir.path, { migrate });
      onTestFinished(() => store.close());
      return store;
    },
  };
};

const postgres =
  (url: string): StoreFactory =>
  async () => {
    const schema = tempPostgresSchema(url);
    onTestFinished(() => schema.drop());
    return {
      open: async (migrate) => {
        const store = await PostgresKeyStore.open({
          connectionString: url,
          schema: schema.name,
          migrate,
        });
        onTestFinished(() => store.close());
        return store;
      },
    };
  };

const STORES: Array<[string, StoreFactory | undefined]> = [
  ["sqlite", sqlite],
  [
    TEST_DATABASE_URL === undefined ? `postgres ${POSTGRES_SKIP_REASON}` : "postgres",
    TEST_DATABASE_URL === undefined ? undefined : postgres(TEST_DATABASE_URL),
  ],
];

let counter = 0;
function newKey(overrides: Partial<NewApiKeyRecord> = {}): NewApiKeyRecord {
  counter += 1;
  return {
    id: `key_${counter}_${Math.random().toString(36).slice(2)}`,
    keyHash: `hash_${counter}_${Math.random().toString(36).slice(2)}`,
    name: `key ${counter}`,
    admin: false,
    createdAt: 1_700_000_000_000 + counter,
    ...overrides,
  };
}

for (const [name, factory] of STORES) {
  describe.skipIf(factory === undefined)(`key store: ${name}`, () => {
    const fresh = async (): Promise<{ store: KeyStore; open(): Promise<KeyStore> }> => {
      const database = await (factory as StoreFactory)();
      return { store: await database.open(true), open: () => database.open(false) };
    };

    it("finds an inserted key by its hash, with every field; an unknown hash gives undefined", async () => {
      const { store } = await fresh();
      const record = newKey({ name: "büro ✓", admin: true });
      await store.insert(record);
      expect(await store.findByHash(record.keyHash)).toEqual({ ...record, revokedAt: null });
      expect(await store.findByHash("no-such-hash")).toBeUndefined();
      await expect(store.insert({ ...newKey(), keyHash: record.keyHash })).rejects.toThrow();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("lists every key oldest first, without hashes", async () => {
      const { store } = await fresh();
      const later = newKey({ createdAt: 2_000 });
      const earlier = newKey({ createdAt: 1_000 });
      await store.insert(later);
      await store.insert(earlier);
      const listed = await store.list();
      expect(listed.map((summary) => summary.id)).toEqual([earlier.id, later.id]);
      expect(JSON.stringify(listed)).not.toContain("hash_");
    });

    it("revokes a key once: a second revocation keeps the first time; unknown ids are not_found", async () => {
      const { store } = await fresh();
      const record = newKey();
      await store.insert(record);
      const first = await store.revokeUnlessLastAdmin(record.id, 5_000);
      expect(first).toEqual({
        outcome: "revoked",
        record: { ...record, revokedAt: 5_000 },
      });
      const second = await store.revokeUnlessLastAdmin(record.id, 9_000);
      expect(second).toMatchObject({ outcome: "revoked", record: { revokedAt: 5_000 } });
      expect((await store.findByHash(record.keyHash))?.revokedAt).toBe(5_000);
      expect(await store.revokeUnlessLastAdmin("key_missing")).toEqual({ outcome: "not_found" });
    });

    it("never revokes the last active admin key", async () => {
      const { store } = await fresh();
      const admin = newKey({ admin: true });
      await store.insert(admin);
      expect(await store.revokeUnlessLastAdmin(admin.id)).toEqual({ outcome: "last_admin" });
      const second = newKey({ admin: true });
      await store.insert(second);
      expect(await store.revokeUnlessLastAdmin(admin.id)).toMatchObject({ outcome: "revoked" });
      expect(await store.revokeUnlessLastAdmin(second.id)).toEqual({ outcome: "last_admin" });
    });

    it("two connections revoking the only two admin keys at once leave one active", async () => {
      for (let round = 0; round < 3; round += 1) {
        const { store, open } = await fresh();
        const other = await open();
        const a = newKey({ admin: true });
        const b = newKey({ admin: true });
        await store.insert(a);
        await store.insert(b);
        const outcomes = await Promise.all([
          store.revokeUnlessLastAdmin(a.id),
          other.revokeUnlessLastAdmin(b.id),
        ]);
        expect(outcomes.map((o) => o.outcome).sort()).toEqual(["last_admin", "revoked"]);
        const active = (await store.list()).filter((key) => key.admin && key.revokedAt === null);
        expect(active).toHaveLength(1);
      }
    });

    it("creates the first admin key once, even with several connections starting at once", async () => {
      const { store, open } = await fresh();
      const others = await Promise.all([open(), open(), open()]);
      const created = await Promise.all(
        [store, ...others, store, ...others].map((each) => ensureAdminKey(each)),
      );
      expect(created.filter((result) => result !== undefined)).toHaveLength(1);
      const admins = (await store.list()).filter((summary) => summary.admin);
      expect(admins).toHaveLength(1);
      expect(admins[0]?.name).toBe("admin");
      expect(await ensureAdminKey(store)).toBeUndefined();
    });

    it("a store on another database or schema sees none of these keys", async () => {
      const { store } = await fresh();
      const { store: elsewhere } = await fresh();
      const record = newKey();
      await store.insert(record);
      expect(await elsewhere.findByHash(record.keyHash)).toBeUndefined();
      expect(await elsewhere.list()).toEqual([]);
    });
  });
}
