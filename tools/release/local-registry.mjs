// A throwaway npm registry (verdaccio) on a free loopback port, for the release dry run: it
// proxies nothing, so only what the dry run publishes is in it. Verdaccio is installed on
// demand with `npm ci` from tools/release/verdaccio/ (its own lockfile), which keeps its ~330
// packages out of the workspace install. The tricky point is the port: a free port found
// before the start can be taken in between, so a start that fails to listen is retried. The
// callers block in spawnSync for minutes, so verdaccio logs to a file (a full pipe would stall
// it) and every request uses a fresh connection (a kept-alive one goes stale meanwhile).
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanNpmEnv, ROOT, run } from "./workspace.mjs";

const VERDACCIO_DIR = join(ROOT, "tools", "release", "verdaccio");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_START_ATTEMPTS = 3;

/** Installs verdaccio (once) at the version tools/release/verdaccio/package.json pins. */
export function ensureVerdaccio() {
  const wanted = JSON.parse(readFileSync(join(VERDACCIO_DIR, "package.json"), "utf8")).dependencies
    .verdaccio;
  const installed = join(VERDACCIO_DIR, "node_modules", "verdaccio", "package.json");
  if (existsSync(installed) && JSON.parse(readFileSync(installed, "utf8")).version === wanted) {
    return;
  }
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: VERDACCIO_DIR,
    env: cleanNpmEnv(),
    timeoutMs: 300_000,
  });
}

/** Starts a registry; resolves to `{ url, addUser(name), stop() }` once it answers a ping. */
export async function startLocalRegistry() {
  ensureVerdaccio();
  let lastError;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt += 1) {
    try {
      return await startOnce(await findFreePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(port) {
  const dir = mkdtempSync(join(tmpdir(), "apikey-registry-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, "storage"))}`,
      "auth:",
      "  htpasswd:",
      `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
      "    max_users: 10",
      "uplinks: {}",
      "packages:",
      "  '**':",
      "    access: $all",
      "    publish: $authenticated",
      "max_body_size: 50mb",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const url = `http://127.0.0.1:${port}/`;
  const logFile = join(dir, "verdaccio.log");
  const logFd = openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    [
      join(VERDACCIO_DIR, "node_modules", "verdaccio", "bin", "verdaccio"),
      "--config",
      config,
      "--listen",
      `127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  const logs = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-20_000) : "");
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise((resolve) => child.once("exit", resolve));

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`verdaccio exited before it answered on port ${port}:\n${logs()}`);
    }
    if (await answersPing(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`verdaccio did not answer within ${START_TIMEOUT_MS} ms:\n${logs()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    logs,
    /** Creates a user; returns its auth token. */
    addUser: async (name) => {
      const password = `dry-run-${process.pid}-${Date.now()}`;
      const { status, body } = await httpJson(
        "PUT",
        new URL(`-/user/org.couchdb.user:${name}`, url),
        {
          name,
          password,
        },
      );
      if (status !== 201 || typeof body?.token !== "string") {
        throw new Error(`verdaccio refused to create user ${name}: HTTP ${status}\n${logs()}`);
      }
      return body.token;
    },
    /** The packument of `name`, or undefined if the registry does not have it. */
    packument: async (name) => {
      const { status, body } = await httpJson("GET", new URL(name.replace("/", "%2f"), url));
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`GET ${name}: HTTP ${status}\n${logs()}`);
      return body;
    },
    stop,
  };
}

async function answersPing(url) {
  try {
    return (await httpJson("GET", new URL("-/ping", url), undefined, 1_000)).status === 200;
  } catch {
    return false;
  }
}

/** One HTTP request on its own connection; resolves to `{ status, body }` (JSON or undefined). */
function httpJson(method, url, payload, timeoutMs = REQUEST_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const data = payload === undefined ? undefined : JSON.stringify(payload);
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: data === undefined ? {} : { "content-type": "application/json" },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => {
          let body;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode, body });
        });
        response.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(data);
  });
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
