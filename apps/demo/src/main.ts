/**
 * Entry point of `pnpm demo`: the primary forks the workers, each worker runs the API. A bad
 * configuration stops the start with a message naming the variable (exit code 2). Each role
 * imports only its own modules, so the primary never loads Fastify or a Redis client.
 */
import cluster from "node:cluster";
import { type DemoConfig, DemoConfigError, loadConfig } from "./config.js";

let config: DemoConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof DemoConfigError)) throw error;
  if (cluster.isPrimary) console.error(`demo: configuration error: ${error.message}`);
  process.exit(2);
}

if (cluster.isPrimary) {
  const { runPrimary } = await import("./primary.js");
  await runPrimary(config);
} else {
  try {
    const { runWorker } = await import("./worker.js");
    await runWorker(config);
  } catch (error) {
    // A busy port and the like: the exit code tells the primary, which prints one line for all.
    const { exitCodeForStartError } = await import("./worker-exit-codes.js");
    const explained = exitCodeForStartError(error);
    if (explained !== undefined) process.exit(explained);
    console.error(`[worker ${process.pid}] failed to start:`, error);
    process.exit(1);
  }
}
