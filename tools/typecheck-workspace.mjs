#!/usr/bin/env node
// `pnpm typecheck`: type-checks the whole workspace in three tsc programs, side by side, instead
// of one (plus one for its README examples) per package, each of which re-checked the sources of
// the workspace packages it imports: tsconfig.packages.json (every package and example, with the
// packages' options), tsconfig.apps.json (the apps, with the apps' options, and the demo's README
// examples) and the README examples of the packages and examples (the options
// tools/typecheck-readme-examples.mjs gives them). The README files are the ones each package's
// own `typecheck` script names; `pnpm -F <pkg> typecheck` still checks one package alone.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeReadmeExamples } from "./readme-examples.mjs";
import { workspacePackages } from "./release/workspace.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, ".readme-examples");
const SCRIPT = "typecheck-readme-examples.mjs";

/** `{ dir, markdown, app }` of every package whose typecheck script checks its README examples. */
function readmeCheckedPackages() {
  return workspacePackages(ROOT).flatMap((pkg) => {
    const script = pkg.manifest.scripts?.typecheck ?? "";
    const at = script.indexOf(SCRIPT);
    if (at < 0) return [];
    const markdown = script
      .slice(at + SCRIPT.length)
      .split("&&")[0]
      .trim()
      .split(/\s+/)
      .filter((arg) => arg !== "");
    return [{ dir: pkg.dir, markdown, app: pkg.relativeDir.startsWith("apps/") }];
  });
}

/** The `include` list of one of the root tsconfig files (full-line // comments allowed). */
function includeOf(tsconfig) {
  const text = readFileSync(join(ROOT, tsconfig), "utf8").replace(/^\s*\/\/.*$/gm, "");
  return JSON.parse(text).include;
}

function tsc(project) {
  const bin = createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "-p", project], { stdio: "inherit" });
    child.on("exit", (code, signal) => resolve({ project: relative(ROOT, project), code, signal }));
  });
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);
const appExamples = [];
const packageExamples = [];
for (const pkg of readmeCheckedPackages()) {
  const dir = writeReadmeExamples(pkg.dir, pkg.markdown);
  if (dir === undefined) continue;
  const include = `../${relative(ROOT, dir)}/*.ts`;
  (pkg.app ? appExamples : packageExamples).push(include);
}
const appsProject = join(OUT, "tsconfig.apps.json");
writeFileSync(
  appsProject,
  JSON.stringify({
    extends: "../tsconfig.apps.json",
    include: [...includeOf("tsconfig.apps.json").map((path) => `../${path}`), ...appExamples],
  }),
);
const readmeProject = join(OUT, "tsconfig.readme-examples.json");
writeFileSync(
  readmeProject,
  JSON.stringify({
    extends: "../tsconfig.base.json",
    compilerOptions: { noEmit: true, isolatedDeclarations: false, noUnusedLocals: false },
    include: packageExamples,
  }),
);

const projects = [join(ROOT, "tsconfig.packages.json"), appsProject];
if (packageExamples.length > 0) projects.push(readmeProject);
const results = await Promise.all(projects.map(tsc));
const failed = results.filter((result) => result.code !== 0);
for (const result of failed) {
  console.error(`typecheck: ${result.project} failed (${result.code ?? result.signal})`);
}
if (failed.length > 0) {
  console.error("typecheck: README examples are in .readme-examples/ folders");
  process.exit(1);
}
console.log(
  `typecheck: ${results.map((result) => result.project).join(", ")} type-check ` +
    `(README examples of ${appExamples.length + packageExamples.length} packages)`,
);
rmSync(OUT, { recursive: true, force: true });
