/**
 * The primary process: prepares the database (schema, first admin key, printed at once), forks
 * the workers that share one port, prints the banner when all listen, and on SIGTERM/SIGINT
 * (at any time, start-up included) forwards the signal and exits once every worker has exited
 * (0 if all exited cleanly or by that signal), within a deadline.
 */
import cluster, { type Address, type Worker } from "node:cluster";
import { ensureAdminKey } from "./admin-bootstrap.js";
import { renderAdminKeyLine, renderBanner } from "./banner.js";
import { type DemoConfig, describeDatabase } from "./config.js";
import { openKeyStore } from "./key-store/open-key-store.js";
import { serveClusterMetrics } from "./metrics/primary-metrics-hub.js";
import { describeStartFailure } from "./worker-exit-codes.js";

/** Restarts allowed within {@link RESTART_WINDOW_MS} before the primary gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** Run the primary until a signal or a fatal worker failure ends it. */
export async function runPrimary(config: DemoConfig): Promise<void> {
  const listening = new Map<number, Address>();
  const restarts: number[] = [];
  let ready = false;
  let stopping = false;
  let failed = false;
  // Our own count of live workers: cluster.workers drops a worker only once both its exit and
  // its IPC disconnect have been seen, which may come in either order.
  const alive = new Map<number, Worker>();

  // First, so a signal at any point of the start-up takes the graceful path.
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  let admin: { key: string } | undefined;
  try {
    const store = await openKeyStore(config, { migrate: true });
    try {
      admin = await ensureAdminKey(store);
    } finally {
      await store.close();
    }
  } catch (error) {
    // Postgres down, a read-only DATA_DIR: one line, no stack. Driver messages carry no password.
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`demo: cannot prepare the database (${describeDatabase(config)}): ${reason}`);
    process.exit(1);
  }
  if (stopping) return;
  // Now, not with the banner: only the hash is stored, so if the start fails from here on
  // (a busy port, a signal) this is the only time the plaintext can be shown.
  if (admin !== undefined) process.stdout.write(renderAdminKeyLine(admin.key));

  serveClusterMetrics();
  const fork = (): void => {
    const worker = cluster.fork();
    alive.set(worker.id, worker);
  };
  for (let i = 0; i < config.workers; i += 1) fork();

  cluster.on("listening", (worker, address) => {
    listening.set(worker.id, address);
    if (ready || stopping || listening.size < config.workers) return;
    ready = true;
    const port = address.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    const pids = [...alive.values()].map((w) => w.process.pid ?? 0);
    process.stdout.write(renderBanner(config, `http://${host}:${port}`, pids, admin?.key));
    admin = undefined;
  });

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    alive.delete(worker.id);
    if (stopping) {
      // A worker still loading when the signal came has no handler yet and dies of it: that
      // is a clean stop too.
      const stoppedBySignal = signal === "SIGTERM" || signal === "SIGINT";
      if (code !== 0 && !stoppedBySignal) failed = true;
      if (alive.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const why = signal === null ? `code ${code}` : `signal ${signal}`;
    if (!ready) {
      console.error(
        describeStartFailure(code, config) ??
          `demo: worker ${worker.process.pid} failed to start (${why}); stopping`,
      );
      failed = true;
      stop("startup failure");
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && (restarts[0] ?? 0) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      console.error(`demo: workers keep exiting (last: ${why}); stopping`);
      failed = true;
      stop("restart limit");
      return;
    }
    restarts.push(now);
    console.error(`demo: worker ${worker.process.pid} exited (${why}); starting a new one`);
    fork();
  });

  function stop(reason: string): void {
    if (stopping) return;
    stopping = true;
    const workers = [...alive.values()];
    if (workers.length === 0) process.exit(failed ? 1 : 0);
    if (reason.startsWith("SIG"))
      console.error(`demo: ${reason}: stopping ${workers.length} workers`);
    for (const worker of workers) worker.process.kill("SIGTERM");
    setTimeout(() => {
      const left = [...alive.values()];
      console.error(
        `demo: ${left.length} workers still running after ${config.shutdownTimeoutMs} ms; killing them`,
      );
      for (const worker of left) worker.process.kill("SIGKILL");
      process.exit(1);
    }, config.shutdownTimeoutMs + 1_000).unref();
  }
}
