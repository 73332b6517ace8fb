/**
 * One worker process: its own container (cache client, database connection) and Fastify app,
 * listening on the port the primary shares. SIGTERM or SIGINT stops it gracefully: no new
 * connections, in-flight requests finish, then Redis connections and the database close. A
 * signal during start-up waits for the step in progress, closes what was built and exits 0.
 */
import type { FastifyInstance } from "fastify";
import type { DemoConfig } from "./config.js";
import { createContainer, type DemoContainer } from "./container.js";
import { buildApp } from "./http/app.js";
import { processLogger } from "./process-logger.js";

/** Start the worker; resolves once it listens. Exits the process when told to stop. */
export async function runWorker(config: DemoConfig): Promise<void> {
  const logger = processLogger("worker");
  let container: DemoContainer | undefined;
  let app: FastifyInstance | undefined;
  let stopping = false;
  // Settles when the start-up step in progress has; a stop waits for it so it never closes a
  // half-built part (or one that is about to be built).
  let startup: Promise<unknown> = Promise.resolve();

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // If something hangs, leave anyway: the primary waits for this exit.
    setTimeout(() => {
      logger.error(`shutdown after ${signal} took over ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // A start-up step that fails reports its own error (and exits 1) through runWorker's caller.
    await startup.catch(() => undefined);
    let code = 0;
    try {
      await app?.close();
    } catch (error) {
      logger.error("closing the HTTP server failed", error);
      code = 1;
    }
    try {
      await container?.close();
    } catch (error) {
      logger.error("closing the cache backend or the database failed", error);
      code = 1;
    }
    process.exit(code);
  };
  // First thing: until a handler exists, a signal kills the worker with the default action.
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  startup = createContainer(config, { logger }).then((built) => {
    container = built;
  });
  await startup;
  if (stopping || container === undefined) return;
  app = buildApp(container);
  startup = app.listen({ port: config.port, host: config.host });
  await startup;
}
