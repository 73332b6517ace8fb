#!/usr/bin/env node
// Type-checks every ```ts block of a package's README.md, so documented examples cannot rot.
// Each block must be a complete module (its own imports). Run from a package folder.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const packageDir = process.cwd();
const readmePath = join(packageDir, "README.md");
if (!existsSync(readmePath)) process.exit(0);

const blocks = [...readFileSync(readmePath, "utf8").matchAll(/^```ts\n([\s\S]*?)^```/gm)].map(
  (match) => match[1],
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
  console.log(`README.md: ${blocks.length} TypeScript example(s) type-check`);
} catch {
  console.error(
    `README.md examples in ${packageDir} do not type-check (files in .readme-examples/)`,
  );
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
