/**
 * The API in this process, without cluster workers: for the benchmark (`APIKEY_AUTH=off` as
 * the baseline) and for embedding. Same container and app as a worker, plus the primary's
 * database preparation.
 */

import { hashApiKey } from "@apikey/core";
import type { FastifyInstance } from "fastify";
import { ensureAdminKey } from "./admin-bootstrap.js";
import { generateApiKey, generateKeyId } from "./api-key-format.js";
import { type DemoConfig, loadConfig } from "./config.js";
import { createContainer, type DemoContainer } from "./container.js";
import { buildApp } from "./http/app.js";
import { processLogger } from "./process-logger.js";

/** Options of {@link startDemoServer}. */
export interface StartDemoServerOptions {
  /** Environment to read the configuration from (see the README's table). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over `env`, e.g. `{ port: 0, dataDir }`. */
  overrides?: Partial<DemoConfig>;
}

/** A running in-process server. */
export interface DemoServer {
  /** `http://host:port` */
  readonly url: string;
  /** The admin key if this start created it (first start on this data folder). */
  readonly adminKey: string | undefined;
  readonly app: FastifyInstance;
  readonly container: DemoContainer;
  /** Create a key directly in the database (no HTTP round trip); resolves with its plaintext, once. */
  createApiKey(name?: string): Promise<{ id: string; key: string }>;
  /** Stop listening, finish in-flight requests, close the cache backend and the database. */
  close(): Promise<void>;
}

/**
 * Start the API in this process.
 * @throws DemoConfigError for a bad environment value.
 * @example
 * const server = await startDemoServer({ env: { APIKEY_AUTH: "off" }, overrides: { port: 0 } });
 * // autocannon -c 50 -d 10 `${server.url}/v1/whoami`
 * await server.close();
 */
export async function startDemoServer(options: StartDemoServerOptions = {}): Promise<DemoServer> {
  const config: DemoConfig = { ...loadConfig(options.env ?? process.env), ...options.overrides };
  const container = await createContainer(config, { migrate: true, logger: processLogger("demo") });
  let admin: { key: string } | undefined;
  let app: FastifyInstance;
  try {
    admin = await ensureAdminKey(container.store);
    app = buildApp(container);
  } catch (error) {
    await container.close();
    throw error;
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await container.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    adminKey: admin?.key,
    app,
    container,
    createApiKey: async (name = "unnamed") => {
      const key = generateApiKey();
      const id = generateKeyId();
      await container.store.insert({
        id,
        keyHash: hashApiKey(key),
        name,
        admin: false,
        createdAt: Date.now(),
      });
      return { id, key };
    },
    close: () => {
      closing ??= app.close().then(() => container.close());
      return closing;
    },
  };
}
