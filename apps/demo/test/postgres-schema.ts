/**
 * PostgreSQL for the tests: `DATABASE_URL` from the environment (CI sets it where a server
 * answers; see `.ci/run`), and one throwaway schema per test so concurrent runs never meet.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the Postgres tests use, or `undefined` when they cannot run. */
export const TEST_DATABASE_URL: string | undefined = process.env.DATABASE_URL?.trim() || undefined;

/** The test name suffix that says why the Postgres tests did not run. */
export const POSTGRES_SKIP_REASON =
  "(not run: DATABASE_URL is not set; set it, e.g. postgres://postgres@127.0.0.1:5432/test, to run)";

/** A new, empty schema name; `drop()` removes the schema and everything in it. */
export function tempPostgresSchema(url: string): { name: string; drop(): Promise<void> } {
  const name = `demo_test_${process.pid}_${randomBytes(5).toString("hex")}`;
  return {
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
