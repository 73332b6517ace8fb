// What every public package.json must carry for npm: the license and its file, where the
// source lives (the root package.json's repository, plus the package's folder), a homepage,
// where to file bugs, keywords, and a `files` list that ships the LICENSE and CHANGELOG.md.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./workspace.mjs";

/** The problems of one public package's metadata, as messages (empty: fine). */
export function metadataProblems(pkg, root = ROOT) {
  const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const { manifest } = pkg;
  const problems = [];
  const problem = (message) => problems.push(`${pkg.name} (${pkg.relativeDir}): ${message}`);

  if (manifest.license !== "MIT") problem(`license is ${manifest.license}, not MIT`);
  const license = join(pkg.dir, "LICENSE");
  if (!existsSync(license)) problem("no LICENSE file: copy the root LICENSE into the package");
  else if (readFileSync(license, "utf8") !== readFileSync(join(root, "LICENSE"), "utf8")) {
    problem("LICENSE differs from the root LICENSE");
  }
  const repository = manifest.repository ?? {};
  if (repository.type !== "git" || repository.url !== rootManifest.repository.url) {
    problem(`repository must be { type: "git", url: "${rootManifest.repository.url}", ... }`);
  }
  if (repository.directory !== pkg.relativeDir) {
    problem(`repository.directory must be "${pkg.relativeDir}"`);
  }
  const homepage = `${rootManifest.homepage}/tree/main/${pkg.relativeDir}#readme`;
  if (manifest.homepage !== homepage) problem(`homepage must be "${homepage}"`);
  if (manifest.bugs?.url !== rootManifest.bugs.url) {
    problem(`bugs must be { url: "${rootManifest.bugs.url}" }`);
  }
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) {
    problem("keywords are missing");
  }
  for (const file of ["dist", "CHANGELOG.md", "LICENSE"]) {
    if (!(manifest.files ?? []).includes(file)) problem(`files must list "${file}"`);
  }
  if (!existsSync(join(pkg.dir, "README.md"))) problem("no README.md");
  return problems;
}

/** After `changeset version`: the package's CHANGELOG.md has a section for its version. */
export function changelogProblems(pkg) {
  const path = join(pkg.dir, "CHANGELOG.md");
  if (!existsSync(path)) return [`${pkg.name}: no CHANGELOG.md (run pnpm changeset version)`];
  const heading = `## ${pkg.version}`;
  return readFileSync(path, "utf8").split("\n").includes(heading)
    ? []
    : [`${pkg.name}: CHANGELOG.md has no "${heading}" section`];
}
