// The workspace as the release tools see it: its public packages, a copy of it in a temp dir,
// and child processes that fail loudly. The tricky point is the copy: it must be the working
// tree as it is (uncommitted changesets included) without node_modules or build output, so a
// command run there cannot touch the real tree.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Folders never copied: installs, build output, caches, VCS. */
const SKIPPED_NAMES = new Set([
  "node_modules",
  "dist",
  ".turbo",
  ".git",
  ".readme-examples",
  ".scratch",
  "coverage",
]);

/** Package folders named by pnpm-workspace.yaml (`dir/*` globs and plain paths). */
export function workspacePackageDirs(root = ROOT) {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const section = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const patterns = [...section.matchAll(/^\s+-\s+["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1]);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        const dir = join(parent, entry.name);
        if (entry.isDirectory() && existsSync(join(dir, "package.json"))) dirs.push(dir);
      }
    } else if (existsSync(join(root, pattern, "package.json"))) {
      dirs.push(join(root, pattern));
    }
  }
  return dirs.sort();
}

/** Every workspace package: `{ name, version, private, dir, relativeDir, manifest }`. */
export function workspacePackages(root = ROOT) {
  return workspacePackageDirs(root).map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return {
      name: manifest.name,
      version: manifest.version,
      private: manifest.private === true,
      dir,
      relativeDir: relative(root, dir),
      manifest,
    };
  });
}

/** The packages that get published (not `private`). */
export function publicPackages(root = ROOT) {
  return workspacePackages(root).filter((pkg) => !pkg.private);
}

/**
 * Copies the working tree into a new temp dir: the files git tracks or would add (so
 * uncommitted changesets come along, and nothing .gitignore names), or, outside a git
 * checkout, everything but installs, build output and caches.
 */
export function copyWorkspace(prefix = "apikey-release-") {
  const dest = mkdtempSync(join(tmpdir(), prefix));
  const files = gitFiles();
  if (files === undefined) {
    cpSync(ROOT, dest, {
      recursive: true,
      filter: (source) => !SKIPPED_NAMES.has(basename(source)),
    });
    return dest;
  }
  for (const file of files) {
    const source = join(ROOT, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(source, join(dest, file));
  }
  return dest;
}

function gitFiles() {
  const result = spawnSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.error || result.status !== 0) return undefined;
  return [...new Set(result.stdout.split("\0").filter((file) => file !== ""))];
}

/**
 * Env entries that unset what pnpm passes to the scripts it runs (npm_config_*, pnpm_*), for
 * commands that must see only the user's npm configuration; merge overrides after it.
 */
export function cleanNpmEnv(overrides = {}) {
  const unset = Object.keys(process.env)
    .filter((key) => /^(npm|pnpm)_/i.test(key))
    .map((key) => [key, undefined]);
  return { ...Object.fromEntries(unset), ...overrides };
}

/**
 * Runs a command to completion, output shown, and throws if it fails or outlives `timeoutMs`.
 * `env` entries are added to (or, when `undefined`, removed from) this process's environment.
 */
export function run(command, args, { cwd = ROOT, env = {}, timeoutMs = 300_000 } = {}) {
  console.log(`$ ${[command, ...args].join(" ")}  (in ${cwd})`);
  const result = spawnSync(command, args, {
    cwd,
    env: mergedEnv(env),
    stdio: "inherit",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

/** {@link run} without blocking: resolves when the command succeeds. */
export function runAsync(command, args, { cwd = ROOT, env = {}, timeoutMs = 300_000 } = {}) {
  console.log(`$ ${[command, ...args].join(" ")}  (in ${cwd})`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: mergedEnv(env),
      stdio: "inherit",
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}`));
    });
  });
}

/** Like {@link run}, but returns stdout (stderr is shown). */
export function capture(command, args, { cwd = ROOT, env = {}, timeoutMs = 120_000 } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: mergedEnv(env),
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${result.status ?? result.signal}:\n${result.stdout}`,
    );
  }
  return result.stdout;
}

function mergedEnv(env) {
  const merged = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
