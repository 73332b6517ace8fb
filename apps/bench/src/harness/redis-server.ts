/**
 * A throwaway `redis-server` on a free loopback port, for the suites that need Redis.
 * Temporary stand-in for `startRedisServer()` of `@apikey/conformance/redis` (same shape),
 * used until that helper exists. Never touches the system server on 6379.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";

/** A running server; `stop()` kills it and waits for the exit. */
export interface BenchRedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const STARTUP_CAP_MS = 10_000;

/** Start `redis-server` (or `$REDIS_SERVER_BIN`) without persistence on a free port. */
export async function startBenchRedisServer(): Promise<BenchRedisServer> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await waitForPing(port, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on port ${port}: ${String(error)}\n${output}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const giveUpAt = performance.now() + STARTUP_CAP_MS;
  while (performance.now() < giveUpAt) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no PONG within ${STARTUP_CAP_MS} ms`);
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
