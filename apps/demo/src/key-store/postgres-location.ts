/**
 * Where a PostgreSQL URL points, in words fit for logs, the banner and `/healthz`: never the
 * user's password. Its own module so the configuration can use it without loading `pg`.
 */

/** `host:port/database` of a connection string: what logs and `/healthz` may show. */
export function postgresLocation(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const database = url.pathname.replace(/^\//, "") || "(default database)";
    return `${url.hostname}${url.port === "" ? "" : `:${url.port}`}/${database}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}
