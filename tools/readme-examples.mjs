// The ```ts blocks of a package's Markdown files, written out as modules to type-check: shared
// by tools/typecheck-readme-examples.mjs (one package) and tools/typecheck-workspace.mjs (all).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The package's README.md and the extra Markdown files (relative to it) that exist. */
export function readmeMarkdownPaths(packageDir, extraFiles = []) {
  return ["README.md", ...extraFiles]
    .map((file) => join(packageDir, file))
    .filter((path) => existsSync(path));
}

/**
 * Writes every ```ts block of the package's Markdown files to `<packageDir>/.readme-examples/
 * example-N.ts` (each a complete module) with a tsconfig.json that extends the package's own;
 * returns that folder, or `undefined` (and no folder) when there is no block.
 */
export function writeReadmeExamples(packageDir, extraFiles = []) {
  const blocks = readmeMarkdownPaths(packageDir, extraFiles).flatMap((path) =>
    [...readFileSync(path, "utf8").matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1]),
  );
  const outDir = join(packageDir, ".readme-examples");
  rmSync(outDir, { recursive: true, force: true });
  if (blocks.length === 0) return undefined;
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
  return outDir;
}
