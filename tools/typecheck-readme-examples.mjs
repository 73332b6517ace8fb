#!/usr/bin/env node
// Type-checks every ```ts block of a package's README.md, so documented examples cannot rot.
// Each block must be a complete module (its own imports). Run from a package folder; extra
// Markdown files (e.g. a guide under docs/) can be named as arguments, relative to it, and are
// checked against the same package's dependencies.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const packageDir = process.cwd();
const markdownPaths = ["README.md", ...process.argv.slice(2)]
  .map((file) => join(packageDir, file))
  .filter((path) => existsSync(path));

const blocks = markdownPaths.flatMap((path) =>
  [...readFileSync(path, "utf8").matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1]),
);
const outDir = join(packageDir, ".readme-examples");
rmSync(outDir, { recursive: true, force: true });
if (blocks.length === 0) process.exit(0);
mkdirSync(outDir);
blocks.forEach((code, index) => {
  writeFileSync(join(outDir, `example-${index + 1}.ts`), `${code}\nexport {};\n`);
});
writeFileSync(
  join(outDir, "tsconfig.json"),
  JSON.stringify({
    extends: "../tsconfig.json",
    compilerOptions: {
      noEmit: true,
      rootDir: "..",
      isolatedDeclarations: false,
      noUnusedLocals: false,
    },
    include: ["*.ts"],
  }),
);
const tsc = createRequire(join(packageDir, "package.json")).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", join(outDir, "tsconfig.json")], { stdio: "inherit" });
  console.log(
    `${markdownPaths.map((path) => relative(packageDir, path)).join(", ")}: ${blocks.length} TypeScript example(s) type-check`,
  );
} catch {
  console.error(
    `Markdown examples in ${packageDir} do not type-check (files in .readme-examples/)`,
  );
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
