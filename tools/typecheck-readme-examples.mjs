#!/usr/bin/env node
// Type-checks every ```ts block of a package's README.md, so documented examples cannot rot.
// Each block must be a complete module (its own imports). Run from a package folder; extra
// Markdown files (e.g. a guide under docs/) can be named as arguments, relative to it, and are
// checked against the same package's dependencies.
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { readmeMarkdownPaths, writeReadmeExamples } from "./readme-examples.mjs";

const packageDir = process.cwd();
const markdownPaths = readmeMarkdownPaths(packageDir, process.argv.slice(2));
const outDir = writeReadmeExamples(packageDir, process.argv.slice(2));
if (outDir === undefined) process.exit(0);
const blockCount = readdirSync(outDir).filter((file) => file.endsWith(".ts")).length;
const tsc = createRequire(join(packageDir, "package.json")).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", join(outDir, "tsconfig.json")], { stdio: "inherit" });
  console.log(
    `${markdownPaths.map((path) => relative(packageDir, path)).join(", ")}: ${blockCount} TypeScript example(s) type-check`,
  );
} catch {
  console.error(
    `Markdown examples in ${packageDir} do not type-check (files in .readme-examples/)`,
  );
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
