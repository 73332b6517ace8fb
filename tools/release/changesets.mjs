// The pending changesets in .changeset/, parsed as `changeset version` reads them: a YAML front
// matter of `"package": bump` lines, then the summary that goes into each CHANGELOG.md.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./workspace.mjs";

/** `[{ file, releases: [{ name, type }], summary }]` for every .changeset/*.md but README.md. */
export function pendingChangesets(root = ROOT) {
  const dir = join(root, ".changeset");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".md") && file !== "README.md")
    .sort()
    .map((file) => parseChangeset(file, readFileSync(join(dir, file), "utf8")));
}

export function parseChangeset(file, text) {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (match === null) {
    // A Markdown formatter reads a one-line front matter as a setext heading and rewrites it as
    // `## "pkg": minor`; biome.json keeps .changeset/*.md out of formatting for that reason.
    throw new Error(
      `.changeset/${file}: no front matter (expected ---, "package": bump lines, ---)` +
        (/^---\r?\n\s*#+ /.test(text) ? "; it was reformatted into a heading" : ""),
    );
  }
  const releases = match[1]
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const release = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
      if (release === null) throw new Error(`.changeset/${file}: cannot read "${line}"`);
      return { name: release[1], type: release[2] };
    });
  return { file, releases, summary: match[2].trim() };
}
