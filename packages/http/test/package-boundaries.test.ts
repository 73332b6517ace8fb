/**
 * A user of one framework installs no other: the root entry imports no framework (statically,
 * through every relative import), and each framework is an optional peer dependency.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FRAMEWORKS = ["express", "hono", "fastify", "connect", "@hono/node-server"];

/** Every bare specifier imported (at run time or for types) by `entry` and its relative imports. */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      const specifier = match[1] as string;
      if (specifier.startsWith(".")) {
        pending.push(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      } else {
        bare.add(specifier);
      }
    }
  }
  return bare;
}

function isFramework(specifier: string): boolean {
  return FRAMEWORKS.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

describe("package boundaries", () => {
  it("the root entry imports no framework, only node: modules and @apikey/core", () => {
    const imports = [...bareImports(join(packageDir, "src/index.ts"))];
    expect(imports.filter(isFramework)).toEqual([]);
    expect(imports.every((s) => s === "@apikey/core" || s.startsWith("node:"))).toBe(true);
    expect(imports).toContain("@apikey/core");
  });

  it("each subpath imports only its own framework, and only its types", () => {
    const express = [...bareImports(join(packageDir, "src/express/index.ts"))];
    expect(express.filter(isFramework)).toEqual([]);
    const hono = [...bareImports(join(packageDir, "src/hono/index.ts"))];
    expect(hono.filter(isFramework)).toEqual(["hono"]);
    const honoSource = readFileSync(join(packageDir, "src/hono/api-key-middleware.ts"), "utf8");
    expect(honoSource).toMatch(/^import type \{[^}]*\} from "hono";$/m);
  });

  it("declares every framework as an optional peer and none as a dependency", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(manifest.dependencies)).toEqual(["@apikey/core"]);
    for (const name of Object.keys(manifest.peerDependencies)) {
      expect(manifest.peerDependenciesMeta[name]?.optional).toBe(true);
    }
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["express", "hono"]);
  });
});
