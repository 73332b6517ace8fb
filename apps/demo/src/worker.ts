/**
 * One worker process: its own container (cache client, database connection) and Fastify app,
 * listening on the port the primary shares. SIGTERM or SIGINT stops it gracefully: no new
 * connections, in-flight requests finish, then Redis connections and the database close.
 */
import type { DemoConfig } from "./config.js";
import { createContainer } from "./container.js";
import { buildApp } from "./http/app.js";
import { processLogger } from "./process-logger.js";

/** Start the worker; resolves once it listens. Exits the process when told to stop. */
export async function runWorker(config: DemoConfig): Promise<void> {
  const logger = processLogger("worker");
  const container = await createContainer(config, { logger });
  const app = buildApp(container);
  let stopping = false;

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // If something hangs, leave anyway: the primary waits for this exit.
    setTimeout(() => {
      logger.error(`shutdown after ${signal} took over ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    let code = 0;
    try {
      await app.close();
    } catch (error) {
      logger.error("closing the HTTP server failed", error);
      code = 1;
    }
    try {
      await container.close();
    } catch (error) {
      logger.error("closing the cache backend or the database failed", error);
      code = 1;
    }
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  await app.listen({ port: config.port, host: config.host });
}
