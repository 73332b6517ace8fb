// The packages as a user gets them: each public package is packed, and the tarballs are
// installed with npm into fresh projects outside the workspace (no workspace links, no
// hoisting from the monorepo). Each project runs an ESM program and a CommonJS one that
// require()s the ESM-only packages, against a throwaway redis-server where a client is
// involved, and type-checks a TypeScript consumer under three module resolutions.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { packPackages, tarballProblems } from "./pack.mjs";
import { capture, cleanNpmEnv, publicPackages, ROOT, run, runAsync } from "./workspace.mjs";

const execFileAsync = promisify(execFile);
const CONSUMERS = join(ROOT, "tools", "release", "consumers");
const RESOLUTIONS = ["node16", "nodenext", "bundler"];
const REDIS_CLIENTS = ["ioredis", "redis", "@redis/client"];

const SCENARIOS = [
  { fixture: "core", packages: ["@apikey/core"], client: undefined, absent: REDIS_CLIENTS },
  {
    fixture: "redis-node",
    packages: ["@apikey/core", "@apikey/redis-node"],
    client: "redis",
    absent: ["ioredis"],
  },
  {
    fixture: "redis-ioredis",
    packages: ["@apikey/core", "@apikey/redis-ioredis"],
    client: "ioredis",
    absent: ["redis", "@redis/client"],
  },
];

// A consumer sees none of the monorepo's npm/pnpm settings.
const CLEAN_ENV = cleanNpmEnv();

const workspace = new Map(publicPackages().map((pkg) => [pkg.name, pkg]));
const rootManifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")).version;

// The three consumer projects install and check side by side.
describe("tarball installs", { concurrency: true }, () => {
  let scratch;
  let tarballs;
  let redis;

  before(async () => {
    run("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
    scratch = mkdtempSync(join(tmpdir(), "apikey-tarballs-"));
    mkdirSync(join(scratch, "tarballs"));
    tarballs = packPackages([...workspace.values()], join(scratch, "tarballs"));
    const { startRedisServer } = await import(
      pathToFileURL(join(ROOT, "packages", "redis-test-server", "dist", "index.js")).href
    );
    redis = await startRedisServer();
  });

  after(async () => {
    await redis?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it("every public package's tarball holds its LICENSE, README, CHANGELOG and entry points", () => {
    const problems = [...workspace.values()].flatMap((pkg) =>
      tarballProblems(pkg, tarballs.get(pkg.name)),
    );
    assert.deepEqual(problems, []);
  });

  for (const scenario of SCENARIOS) {
    // Subtests run concurrently: the three tsc runs dominate the time.
    describe(scenario.packages.join(" + "), { concurrency: true }, () => {
      let project;

      before(async () => {
        project = join(scratch, `consumer-${scenario.fixture}`);
        cpSync(join(CONSUMERS, scenario.fixture), project, { recursive: true });
        for (const resolution of RESOLUTIONS) {
          cpSync(
            join(CONSUMERS, `tsconfig.${resolution}.json`),
            join(project, `tsconfig.${resolution}.json`),
          );
        }
        writeFileSync(
          join(project, "package.json"),
          `${JSON.stringify({ name: `consumer-${scenario.fixture}`, private: true, type: "module" }, null, 2)}\n`,
        );
        const specs = [
          ...scenario.packages.map((name) => tarballs.get(name).filename),
          `typescript@${rootManifest.devDependencies.typescript}`,
          `@types/node@${installedVersion("@types/node")}`,
        ];
        if (scenario.client !== undefined) {
          const adapter = workspace.get(scenario.packages[1]);
          specs.push(`${scenario.client}@${adapter.manifest.devDependencies[scenario.client]}`);
        }
        await runAsync(
          "npm",
          ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs],
          {
            cwd: project,
            env: CLEAN_ENV,
            timeoutMs: 180_000,
          },
        );
        console.log(
          `npm ls (consumer-${scenario.fixture}):\n${capture("npm", ["ls", "--all"], { cwd: project, env: CLEAN_ENV })}`,
        );
      });

      it(`installs no ${scenario.absent.join(", ")}`, () => {
        const installed = listInstalled(project);
        for (const name of scenario.absent) {
          assert.deepEqual([...(installed.get(name) ?? [])], [], `${name} is installed`);
          assert.equal(existsSync(join(project, "node_modules", name)), false, name);
        }
      });

      it("installs the packed tarballs, not registry copies", () => {
        for (const name of scenario.packages) {
          const lock = JSON.parse(
            readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8"),
          );
          const entry = lock.packages[`node_modules/${name}`];
          assert.ok(entry, `${name} is not installed`);
          assert.equal(entry.version, workspace.get(name).version, name);
          assert.match(entry.resolved ?? "", /^file:/, `${name} resolved from ${entry.resolved}`);
        }
      });

      it("runs an ESM program", async () => {
        const { stdout } = await node(project, "main.mjs", redis.url);
        assert.match(stdout, /^esm ok: /m);
      });

      it("require()s the packages from CommonJS", async () => {
        const { stdout } = await node(project, "main.cjs", redis.url);
        assert.match(stdout, /^cjs ok: /m);
      });

      for (const resolution of RESOLUTIONS) {
        it(`type-checks a TypeScript consumer under moduleResolution ${resolution}`, async () => {
          const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
          await execFileAsync(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`], {
            cwd: project,
            timeout: 120_000,
          }).catch((error) => {
            throw new Error(`tsc (${resolution}) failed:\n${error.stdout}${error.stderr}`);
          });
        });
      }
    });
  }
});

/** Runs `node file` in the project with REDIS_URL set; rejects with its output on failure. */
async function node(project, file, redisUrl) {
  try {
    return await execFileAsync(process.execPath, [file], {
      cwd: project,
      env: { ...process.env, ...CLEAN_ENV, REDIS_URL: redisUrl },
      timeout: 60_000,
    });
  } catch (error) {
    throw new Error(`node ${file} failed:\n${error.stdout}${error.stderr}`);
  }
}

/** Every installed package name (nested ones included) and where npm put it. */
function listInstalled(project) {
  const lock = JSON.parse(
    readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8"),
  );
  const installed = new Map();
  for (const path of Object.keys(lock.packages)) {
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!installed.has(name)) installed.set(name, new Set());
    installed.get(name).add(path);
  }
  return installed;
}
