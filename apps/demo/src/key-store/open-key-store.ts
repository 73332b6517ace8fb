/**
 * Configuration → the key store. Each store's module (and its driver) is loaded only when
 * chosen, so the SQLite default never loads `pg` and the other way round. A new store is one
 * file implementing `KeyStore` plus one branch here.
 */
import { type DemoConfig, databaseKind } from "../config.js";
import type { KeyStore } from "./key-store.js";

/** Options of {@link openKeyStore}. */
export interface OpenKeyStoreOptions {
  /** Create the folder or schema and the table (the primary, or a single process). */
  migrate: boolean;
}

/** Open the store `config` names: PostgreSQL for a `DATABASE_URL`, else SQLite in `DATA_DIR`. */
export async function openKeyStore(
  config: DemoConfig,
  options: OpenKeyStoreOptions,
): Promise<KeyStore> {
  switch (databaseKind(config)) {
    case "postgres": {
      const { PostgresKeyStore } = await import("./postgres-key-store.js");
      return PostgresKeyStore.open({
        connectionString: config.databaseUrl,
        schema: config.databaseSchema,
        migrate: options.migrate,
      });
    }
    case "sqlite": {
      const { SqliteKeyStore } = await import("./sqlite-key-store.js");
      return SqliteKeyStore.open(config.dataDir, { migrate: options.migrate });
    }
  }
}
