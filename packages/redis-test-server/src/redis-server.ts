/**
 * Throwaway redis-server processes for tests: loopback only, a free port, no persistence, a
 * temp dir of their own, killed when the test process ends. Faults are real: `pause()` is
 * SIGSTOP (the socket stays open but nothing answers), `kill()` is SIGKILL. The tricky point is
 * startup: readiness is the server's own "Ready to accept connections" line, confirmed by a
 * PING, all within a deadline, and a port grabbed by someone else in between means a retry.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { ApiKeyCacheError } from "@apikey/core";
import { trackChild } from "./child-reaper.js";
import { findFreePort } from "./free-port.js";
import { resolveRedisServerBinary } from "./redis-binary.js";
import { redisCommandWithOptions } from "./resp-connection.js";
import type { TestCertificates } from "./test-certificates.js";

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to listen on. @default a free loopback port */
  port?: number;
  /**
   * Extra configuration directives, one per entry, as in redis.conf: `"maxmemory 10mb"`.
   * They come after the defaults, so they win.
   */
  config?: readonly string[];
  /** Longest the start (and each restart) may take, in milliseconds. @default 10000 */
  startTimeoutMs?: number;
  /** Path of the binary. @default `$REDIS_SERVER_BIN`, else `redis-server` on PATH */
  bin?: string;
  /**
   * Run as a Redis Sentinel (`redis-server <conf> --sentinel`, what the `redis-sentinel`
   * binary does): give its `sentinel monitor ...` lines in `config`. @default false
   */
  sentinel?: boolean;
  /**
   * Speak only TLS, with these certificates (`createTestCertificates`): `port 0`, `tls-port`
   * on the chosen port, `tls-replication yes`, clients not asked for a certificate. The
   * handle's `url` is then `rediss://`, and its `tls` what the raw RESP helpers connect with.
   * @default plain TCP
   */
  tlsCertificates?: TestCertificates;
}

/** A Redis server a test talks to; fault injection needs one the test spawned. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** True when the test spawned this server (fault injection works); false for `REDIS_URL`. */
  readonly spawned: boolean;
  /** The process id while running, else `undefined`. */
  readonly pid: number | undefined;
  /** True while the process is running (paused counts as running). */
  readonly running: boolean;
  /** Set when the server speaks only TLS: the options to connect with (its CA, `localhost`). */
  readonly tls?: ConnectionOptions | undefined;
  /** The last lines the server logged, for diagnostics. */
  logs(): string;
  /** SIGKILL the server and wait for it to exit; `restart()` brings it back. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers, until `resume()`. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Kill the server if running and start it again on the same port (data is lost); waits until ready. */
  restart(): Promise<void>;
  /** Kill the server and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;
const MAX_PORT_ATTEMPTS = 5;
const LOG_LINES_KEPT = 50;
const READY_LINE = "Ready to accept connections";
/** A sentinel logs no "Ready" line; it is up once it has its ID. */
const SENTINEL_READY_LINE = "Sentinel ID is";

class PortInUseError extends Error {}

/** The directives of a TLS-only server on `port`: the plain port closed. */
function tlsConfig(port: number, certificates: TestCertificates): string[] {
  return [
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${certificates.serverCertFile}`,
    `tls-key-file ${certificates.serverKeyFile}`,
    `tls-ca-cert-file ${certificates.caCertFile}`,
    // Its own outgoing TLS (cluster bus, replication) presents the client certificate: the
    // cluster bus always asks for one, and the server certificate is for serverAuth only.
    `tls-client-cert-file ${certificates.clientCertFile}`,
    `tls-client-key-file ${certificates.clientKeyFile}`,
    "tls-auth-clients no",
    "tls-replication yes",
  ];
}

function baseConfig(port: number, dir: string): string[] {
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    "daemonize no",
    'save ""',
    "appendonly no",
    `dir ${JSON.stringify(dir)}`,
    'logfile ""',
    "loglevel notice",
  ];
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`redis-server (pid ${child.pid}) did not exit within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

class SpawnedRedisServer implements RedisServerHandle {
  readonly host = "127.0.0.1";
  readonly spawned = true;
  port: number;
  readonly #bin: string;
  readonly #dir: string;
  readonly #extraConfig: readonly string[];
  readonly #startTimeoutMs: number;
  readonly #sentinel: boolean;
  readonly #certificates: TestCertificates | undefined;
  #child: ChildProcess | undefined;
  #log: string[] = [];
  #stopped = false;

  constructor(bin: string, dir: string, port: number, options: StartRedisServerOptions) {
    this.#bin = bin;
    this.#dir = dir;
    this.port = port;
    this.#extraConfig = options.config ?? [];
    this.#startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.#sentinel = options.sentinel === true;
    this.#certificates = options.tlsCertificates;
  }

  get url(): string {
    return `${this.#certificates === undefined ? "redis" : "rediss"}://${this.host}:${this.port}`;
  }

  get tls(): ConnectionOptions | undefined {
    const certificates = this.#certificates;
    return certificates === undefined
      ? undefined
      : { ca: certificates.ca, servername: "localhost" };
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  logs(): string {
    return this.#log.join("\n");
  }

  /** Spawn and wait until ready; rejects with PortInUseError when the port is taken. */
  async start(): Promise<void> {
    if (this.#stopped) throw new Error("This redis-server was stopped; start a new one.");
    const configPath = join(this.#dir, "redis.conf");
    writeFileSync(
      configPath,
      `${[
        ...baseConfig(this.port, this.#dir),
        ...(this.#certificates === undefined ? [] : tlsConfig(this.port, this.#certificates)),
        ...this.#extraConfig,
      ].join("\n")}\n`,
    );
    this.#log = [];
    const args = this.#sentinel ? [configPath, "--sentinel"] : [configPath];
    const readyLine = this.#sentinel ? SENTINEL_READY_LINE : READY_LINE;
    const child = spawn(this.#bin, args, {
      cwd: this.#dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    trackChild(child);
    const deadline = Date.now() + this.#startTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(
        () =>
          finish(
            new ApiKeyCacheError(
              "E_BACKEND_UNAVAILABLE",
              `redis-server on port ${this.port} did not start within ${this.#startTimeoutMs} ms. Last output:\n${this.logs()}`,
            ),
          ),
        this.#startTimeoutMs,
      );
      const onOutput = (chunk: Buffer): void => {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (line.trim() === "") continue;
          this.#log.push(line);
          if (line.includes(readyLine)) finish();
        }
        if (this.#log.length > LOG_LINES_KEPT) this.#log = this.#log.slice(-LOG_LINES_KEPT);
      };
      child.stdout?.on("data", onOutput);
      child.stderr?.on("data", onOutput);
      child.once("error", (error) =>
        finish(
          new ApiKeyCacheError("E_CONFIG", `Could not run ${this.#bin}: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      child.once("exit", (code, signal) => {
        const output = this.logs();
        if (/Address already in use|bind: /i.test(output)) {
          finish(new PortInUseError(`Port ${this.port} is already in use.`));
          return;
        }
        finish(
          new ApiKeyCacheError(
            "E_BACKEND_UNAVAILABLE",
            `redis-server exited during startup (code ${code}, signal ${signal}). Output:\n${output}`,
          ),
        );
      });
    });
    // A forgotten server must not keep the test process alive; the reaper kills it at exit.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    // The log line says the listener is up; a PING proves the server answers commands.
    const reply = await redisCommandWithOptions(this, ["PING"], {
      timeoutMs: Math.max(500, deadline - Date.now()),
    });
    if (reply !== "PONG")
      throw new Error(`redis-server answered PING with ${JSON.stringify(reply)}`);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    child.kill("SIGKILL");
    await waitForExit(child, EXIT_TIMEOUT_MS);
  }

  pause(): void {
    this.#signal("SIGSTOP");
  }

  resume(): void {
    this.#signal("SIGCONT");
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      await this.kill();
    } finally {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }

  #signal(signal: NodeJS.Signals): void {
    if (!this.running) {
      throw new Error(`redis-server on port ${this.port} is not running; cannot send ${signal}.`);
    }
    this.#child?.kill(signal);
  }
}

/**
 * Start a throwaway redis-server on a free 127.0.0.1 port and wait until it answers PING.
 * It is killed when the test process ends, even on failure; call `stop()` when done.
 * @throws ApiKeyCacheError `E_CONFIG` when redis-server is not installed (see `REDIS_SERVER_BIN`)
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServerHandle> {
  const bin = resolveRedisServerBinary(options.bin);
  const attempts = options.port === undefined ? MAX_PORT_ATTEMPTS : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    const dir = mkdtempSync(join(tmpdir(), "apikey-redis-"));
    const server = new SpawnedRedisServer(bin, dir, port, options);
    try {
      await server.start();
      return server;
    } catch (error) {
      await server.stop().catch(() => {});
      lastError = error;
      if (!(error instanceof PortInUseError)) throw error;
    }
  }
  throw new ApiKeyCacheError(
    "E_BACKEND_UNAVAILABLE",
    `Could not find a free port for redis-server in ${attempts} attempt(s).`,
    { cause: lastError },
  );
}

/** Error of the fault-injection methods of a server the test did not spawn. */
function notSpawned(method: string): ApiKeyCacheError {
  return new ApiKeyCacheError(
    "E_CONFIG",
    `${method}() needs a redis-server the test spawned, but this one comes from REDIS_URL. ` +
      "Tests that inject faults must spawn their own: startRedisServer() or useRedisServer({ spawn: true }).",
  );
}

/**
 * A handle on an existing server (e.g. `REDIS_URL`): url, host and port only. `stop()` does
 * nothing (the test does not own it); `kill`, `pause`, `resume` and `restart` throw `E_CONFIG`.
 */
export function externalRedisServer(url: string): RedisServerHandle {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  return {
    url,
    host,
    port,
    spawned: false,
    pid: undefined,
    running: true,
    logs: () => "",
    kill: () => Promise.reject(notSpawned("kill")),
    pause: () => {
      throw notSpawned("pause");
    },
    resume: () => {
      throw notSpawned("resume");
    },
    restart: () => Promise.reject(notSpawned("restart")),
    stop: () => Promise.resolve(),
  };
}
