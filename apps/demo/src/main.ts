/**
 * Entry point of `pnpm demo`: the primary forks the workers, each worker runs the API. A bad
 * configuration stops the start with a message naming the variable (exit code 2).
 */
import cluster from "node:cluster";
import { type DemoConfig, DemoConfigError, loadConfig } from "./config.js";
import { runPrimary } from "./primary.js";
import { runWorker } from "./worker.js";

let config: DemoConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof DemoConfigError)) throw error;
  if (cluster.isPrimary) console.error(`demo: configuration error: ${error.message}`);
  process.exit(2);
}

if (cluster.isPrimary) {
  runPrimary(config);
} else {
  runWorker(config).catch((error: unknown) => {
    console.error(`[worker ${process.pid}] failed to start:`, error);
    process.exit(1);
  });
}
