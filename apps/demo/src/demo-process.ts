/**
 * Runs `pnpm demo`'s entry point (`src/main.ts`) as a child process, the way an operator would,
 * and waits for its banner. The tests and the revocation walkthrough drive the real cluster
 * through this.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The app folder (`apps/demo`), the working directory of the child. */
export const DEMO_APP_DIR: string = fileURLToPath(new URL("..", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** Variables the demo reads; the parent's values are dropped so only `env` configures the child. */
const CONFIG_VARIABLES = [
  "HOST",
  "PORT",
  "WORKERS",
  "DATA_DIR",
  "DATABASE_URL",
  "DATABASE_SCHEMA",
  "REDIS_URL",
  "SHUTDOWN_TIMEOUT_MS",
];

/** Options of {@link startDemoProcess}. */
export interface StartDemoProcessOptions {
  /** The child's configuration (see the README); `PORT` defaults to 0 (a free port). */
  env: Record<string, string>;
  /** Longest wait for the banner. @default 60000 */
  readyTimeoutMs?: number;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running demo (primary plus workers). */
export interface DemoProcess {
  readonly url: string;
  /** The primary's pid. */
  readonly pid: number;
  readonly workerPids: readonly number[];
  /** Printed only on the first start on a data folder. */
  readonly adminKey: string | undefined;
  readonly child: ChildProcess;
  /** Resolves when the primary has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Everything the processes printed so far (stdout and stderr). */
  output(): string;
  /** Send `signal` (default SIGTERM) and wait for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
}

const READY_LINE = /demo: ready at (\S+) \(workers: ([\d, ]+);/;
const ADMIN_LINE = /admin key \(shown once, store it now\): (ak_[A-Za-z0-9_-]+)/;

/** Spawn the demo exactly like `node --conditions=@apikey/source --import tsx src/main.ts`. */
export function spawnDemo(env: Record<string, string>): ChildProcess {
  const inherited = { ...process.env };
  for (const name of Object.keys(inherited)) {
    if (name.startsWith("APIKEY_") || CONFIG_VARIABLES.includes(name)) delete inherited[name];
  }
  return spawn(process.execPath, ["--conditions=@apikey/source", "--import", "tsx", MAIN], {
    cwd: DEMO_APP_DIR,
    env: { ...inherited, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Everything a finished child printed, and how it ended. */
export async function runDemoToExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ProcessExit & { output: string }> {
  const child = spawnDemo(env);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exit = await waitForExit(child, timeoutMs);
  return { ...exit, output };
}

/** Start the demo and wait for its banner. Rejects (and kills it) if it exits or times out first. */
export async function startDemoProcess(options: StartDemoProcessOptions): Promise<DemoProcess> {
  const child = spawnDemo(options.env);
  let output = "";
  const exited = waitForExit(child, Number.POSITIVE_INFINITY);
  const ready = new Promise<{ url: string; workerPids: number[]; adminKey: string | undefined }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(`demo not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`),
        );
      }, options.readyTimeoutMs ?? 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        const match = READY_LINE.exec(output);
        if (match === null) return;
        clearTimeout(timer);
        resolve({
          url: match[1] ?? "",
          workerPids: (match[2] ?? "").split(",").map((pid) => Number(pid.trim())),
          adminKey: ADMIN_LINE.exec(output)?.[1],
        });
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(`demo exited before it was ready (${exit.code ?? exit.signal}):\n${output}`),
        );
      });
    },
  );
  const { url, workerPids, adminKey } = await ready;
  return {
    url,
    pid: child.pid ?? 0,
    workerPids,
    adminKey,
    child,
    exited,
    output: () => output,
    stop: async (signal = "SIGTERM", timeoutMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ProcessExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      : undefined;
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
