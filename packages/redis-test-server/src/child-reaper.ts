/**
 * Makes sure every redis-server a test process starts dies with it, even when the test process
 * is killed outright. In-process hooks (exit, SIGINT, SIGTERM, SIGHUP) cover orderly ends; a
 * tiny watchdog process, fed the pids over a pipe, covers SIGKILL and crashes: when the pipe
 * closes because its parent is gone, it kills what is left.
 */
import { type ChildProcess, spawn } from "node:child_process";

const WATCHDOG_SCRIPT = `
const pids = new Set();
let buffered = "";
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch {} }
  process.exit(0);
};
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let end;
  while ((end = buffered.indexOf("\\n")) !== -1) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    const pid = Number(line.slice(1));
    if (line[0] === "+") pids.add(pid); else if (line[0] === "-") pids.delete(pid);
  }
});
process.stdin.on("end", reap);
process.stdin.on("error", reap);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, reap);
`;

const tracked = new Set<ChildProcess>();
let watchdog: ChildProcess | undefined;
let hooksInstalled = false;

function tellWatchdog(line: string): void {
  if (watchdog?.stdin?.writable) watchdog.stdin.write(`${line}\n`);
}

function startWatchdog(): void {
  if (watchdog !== undefined) return;
  const child = spawn(process.execPath, ["-e", WATCHDOG_SCRIPT], {
    stdio: ["pipe", "ignore", "ignore"],
    // A clean environment: inherited NODE_OPTIONS (tsx, vitest loaders) can keep a bare
    // node -e from ever running its script once the parent is gone.
    env: {},
  });
  child.on("error", () => {
    // Best effort only: the in-process hooks still reap on an orderly exit.
  });
  child.stdin?.on("error", () => {});
  // Neither the watchdog nor its pipe may keep the test process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog = child;
}

/** Kill every tracked child now (SIGKILL), synchronously. */
export function killTrackedChildren(): void {
  for (const child of tracked) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killTrackedChildren();
  // Our listener disabled the default action; restore it if nobody else handles the signal.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killTrackedChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
}

/** Kill `child` when this process ends, however it ends, unless it has exited first. */
export function trackChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  installHooks();
  startWatchdog();
  tracked.add(child);
  tellWatchdog(`+${pid}`);
  child.once("exit", () => {
    tracked.delete(child);
    tellWatchdog(`-${pid}`);
  });
}
