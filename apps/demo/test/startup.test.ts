/** Starting the demo: a bad configuration, a start that fails, a stop during start-up. */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_APP_DIR, runDemoToExit, spawnDemo, startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { SqliteKeyStore } from "../src/key-store/sqlite-key-store.js";
import { childPids, createKey, isRunning, tempDataDir, waitFor } from "./helpers.js";

const WORKER_SIGNALLED_AT_START = fileURLToPath(
  new URL("./fixtures/worker-signalled-at-start.ts", import.meta.url),
);
const ADMIN_LINE = /admin key \(shown once, store it now\): (ak_[A-Za-z0-9_-]{43})/;

describe("start-up configuration", () => {
  const dataDir = tempDataDir();
  afterAll(() => dataDir.remove());

  it("refuses a bad variable with exit code 2 and a message naming it and the allowed values", async () => {
    const result = await runDemoToExit({
      DATA_DIR: dataDir.path,
      APIKEY_CACHE_BACKEND: "memcache",
    });
    expect(result.code).toBe(2);
    expect(result.output).toContain("APIKEY_CACHE_BACKEND");
    expect(result.output).toContain("memory, redis, tiered");
  });

  it("falls back to memory with core's warning when redis has no REDIS_URL", async () => {
    const demo = await startDemoProcess({
      env: { DATA_DIR: dataDir.path, WORKERS: "1", APIKEY_CACHE_BACKEND: "redis" },
    });
    try {
      expect(demo.output()).toContain(
        'backend "redis" needs redisUrl, but redisUrl is empty; falling back to the in-process API key cache',
      );
      const health = await sendRequest(`${demo.url}/healthz`);
      expect(health.json).toMatchObject({ cache: { backend: "memory", configured: "redis" } });
    } finally {
      expect(await demo.stop()).toEqual({ code: 0, signal: null });
    }
  });
});

describe("a first start that does not reach ready", () => {
  it("on a busy port prints one line naming the port and PORT, no stack trace, still prints the admin key, and the key works on the next start", async () => {
    const dataDir = tempDataDir();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    try {
      // Two workers: each fails to listen, and still only one line comes out.
      const failed = await runDemoToExit({
        DATA_DIR: dataDir.path,
        WORKERS: "2",
        PORT: String(address.port),
      });
      expect(failed.code, failed.output).toBe(1);
      const line = `demo: port ${address.port} is already in use; stop what is using it, or set PORT to another port (PORT=0 picks a free one)`;
      expect(failed.output.split("\n").filter((l) => l === line)).toHaveLength(1);
      expect(failed.output).not.toContain("EADDRINUSE");
      expect(failed.output).not.toMatch(/^\s+at /m);
      expect(failed.output).not.toContain("failed to start");
      expect(failed.output).not.toContain("demo: ready at");
      const adminKey = ADMIN_LINE.exec(failed.output)?.[1];
      expect(adminKey).toBeDefined();

      const demo = await startDemoProcess({ env: { DATA_DIR: dataDir.path, WORKERS: "1" } });
      try {
        expect(demo.adminKey).toBeUndefined();
        expect(demo.output()).toContain("admin key was printed on the first start");
        const created = await createKey(demo.url, adminKey ?? "");
        expect(created.key).toMatch(/^ak_/);
      } finally {
        expect(await demo.stop()).toEqual({ code: 0, signal: null });
      }
    } finally {
      busy.close();
      dataDir.remove();
    }
  });

  it("exits 0 on SIGTERM while the workers are still starting, leaving no worker behind", async () => {
    const dataDir = tempDataDir();
    const child = spawnDemo({ DATA_DIR: dataDir.path, WORKERS: "2" });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const pid = child.pid ?? 0;
    let workers: number[] = [];
    try {
      // Signal as soon as both workers exist: they take hundreds of milliseconds to load.
      const forked = await waitFor(() => {
        workers = childPids(pid);
        return workers.length === 2;
      }, 30_000);
      expect(forked, output).toBe(true);
      child.kill("SIGTERM");
      expect(await exited, output).toEqual({ code: 0, signal: null });
      expect(output).not.toContain("demo: ready at");
      expect(await waitFor(() => workers.every((worker) => !isRunning(worker)), 5_000)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      for (const worker of workers) if (isRunning(worker)) process.kill(worker, "SIGKILL");
      dataDir.remove();
    }
  });

  it("a worker signalled while it builds its container closes what it built and exits 0", async () => {
    const dataDir = tempDataDir();
    try {
      await SqliteKeyStore.open(dataDir.path, { migrate: true }).close();
      const child = spawn(
        process.execPath,
        ["--conditions=@apikey/source", "--import", "tsx", WORKER_SIGNALLED_AT_START],
        {
          cwd: DEMO_APP_DIR,
          env: { ...process.env, DATA_DIR: dataDir.path, PORT: "0", HOST: "127.0.0.1" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve) => child.once("exit", (code, signal) => resolve({ code, signal })),
      );
      clearTimeout(timer);
      expect(exit, output).toEqual({ code: 0, signal: null });
    } finally {
      dataDir.remove();
    }
  });
});
