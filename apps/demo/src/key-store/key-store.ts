/**
 * The source of truth the demo authenticates against, as an interface: SQLite
 * (`sqlite-key-store.ts`, the embedded default) and PostgreSQL (`postgres-key-store.ts`) implement
 * it, and a third store is one more file plus a line in `open-key-store.ts`. Stores keep only the
 * sha256 hash of a key, never a plaintext. The tricky point: the two checks that guard the admin
 * keys ("is there one already?", "is this the last one?") must run in the same write
 * transaction as their write, or two processes can interleave and break them.
 */

/** One stored key. */
export interface ApiKeyRecord {
  id: string;
  keyHash: string;
  name: string;
  admin: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds, or `null` while the key is active. */
  revokedAt: number | null;
}

/** A key to insert: new keys are active. */
export type NewApiKeyRecord = Omit<ApiKeyRecord, "revokedAt">;

/** What a listing shows: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, "keyHash">;

/** What {@link KeyStore.revokeUnlessLastAdmin} did. */
export type RevokeOutcome =
  | { outcome: "revoked"; record: ApiKeyRecord }
  | { outcome: "not_found" }
  | { outcome: "last_admin" };

/** The stores the demo ships. */
export type KeyStoreKind = "sqlite" | "postgres";

/** The `api_keys` table behind a small typed API. One instance per process. */
export interface KeyStore {
  /** Which store this is (shown by `/healthz` and the banner). */
  readonly kind: KeyStoreKind;
  /** Where it keeps its data, without any password: a file path or `host:port/database`. */
  readonly location: string;
  /** The key with this hash, revoked or not; `undefined` if there is none. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Store a new key (its hash only). Rejects if the id or the hash exists. */
  insert(record: NewApiKeyRecord): Promise<void>;
  /**
   * Insert `record` only if no active admin key exists, check and write in one transaction;
   * `true` if it was inserted. The first start of the demo creates its admin key with this.
   */
  insertIfNoActiveAdmin(record: NewApiKeyRecord): Promise<boolean>;
  /**
   * Revoke the key unless it is the last active admin key (with none left, no one could manage
   * keys). Revoking a revoked key keeps its first `revokedAt`.
   */
  revokeUnlessLastAdmin(id: string, now?: number): Promise<RevokeOutcome>;
  /** Every key, oldest first, without hashes. */
  list(): Promise<ApiKeySummary[]>;
  /** A cheap round trip; rejects if the store cannot answer. */
  ping(): Promise<void>;
  /** Close the connections (idempotent). */
  close(): Promise<void>;
}
