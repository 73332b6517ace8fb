// `pnpm pack` for each public package, and the checks every tarball must pass before it is
// installed or published. pnpm pack (not npm pack) because it rewrites `workspace:` ranges
// into real versions, as `pnpm publish` does.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { capture, ROOT } from "./workspace.mjs";

/** Packs one package into `destination`; returns `{ name, version, filename, files }`. */
export function packPackage(pkg, destination) {
  const output = capture("pnpm", ["pack", "--json", "--pack-destination", destination], {
    cwd: pkg.dir,
  });
  const packed = JSON.parse(output.slice(output.indexOf("{")));
  return { ...packed, files: packed.files.map((file) => file.path) };
}

/** Packs every given package; returns a Map from package name to its pack result. */
export function packPackages(packages, destination) {
  return new Map(packages.map((pkg) => [pkg.name, packPackage(pkg, destination)]));
}

/** Files a tarball of `pkg` must hold; CHANGELOG.md only once `changeset version` wrote it. */
export function requiredTarballFiles(pkg) {
  const required = ["package.json", "README.md", "LICENSE"];
  if (existsSync(join(pkg.dir, "CHANGELOG.md"))) required.push("CHANGELOG.md");
  for (const target of exportTargets(pkg.manifest.exports)) {
    if (!target.startsWith("./src/")) required.push(target.replace(/^\.\//, ""));
  }
  return required;
}

/**
 * The problems of one packed tarball, as messages (empty: fine): a missing required file, a
 * LICENSE that differs from the root one, a `workspace:` range left in its package.json.
 */
export function tarballProblems(pkg, packed, root = ROOT) {
  const problems = [];
  const files = new Set(packed.files);
  for (const file of requiredTarballFiles(pkg)) {
    if (!files.has(file)) problems.push(`${pkg.name}: ${file} is not in the tarball`);
  }
  const license = readFileSync(join(root, "LICENSE"), "utf8");
  if (readFileSync(join(pkg.dir, "LICENSE"), "utf8") !== license) {
    problems.push(`${pkg.name}: LICENSE differs from the root LICENSE (copy it again)`);
  }
  const manifest = JSON.parse(tarEntry(packed.filename, "package/package.json"));
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith("workspace:")) problems.push(`${pkg.name}: ${field}.${name} ${range}`);
    }
  }
  return problems;
}

/** One file of a .tgz, as text. */
export function tarEntry(tarball, entry) {
  return execFileSync("tar", ["-xzOf", tarball, entry], { encoding: "utf8" });
}

function exportTargets(exportsField) {
  if (typeof exportsField === "string") return [exportsField];
  if (exportsField === null || typeof exportsField !== "object") return [];
  return Object.values(exportsField).flatMap(exportTargets);
}
