// The first release must come out as 0.1.0 for every public package, whatever other changesets
// are pending: each package starts at 0.0.0, initial-release.md bumps each one minor, and no
// changeset may be major. This runs the real `pnpm changeset version` in a temp copy of the
// working tree and reads the versions and CHANGELOG.md files it wrote.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pendingChangesets } from "./changesets.mjs";
import { copyWorkspace, publicPackages, ROOT, run, workspacePackages } from "./workspace.mjs";

const FIRST_VERSION = "0.1.0";
const changesets = pendingChangesets();
const packages = publicPackages();

describe("changesets: the first release is 0.1.0", () => {
  it("every public package starts at 0.0.0", () => {
    for (const pkg of packages) {
      assert.equal(pkg.version, "0.0.0", `${pkg.name} (${pkg.relativeDir}/package.json)`);
    }
  });

  it("no pending changeset is major (a major from 0.0.0 makes 1.0.0)", () => {
    for (const changeset of changesets) {
      for (const release of changeset.releases) {
        assert.notEqual(release.type, "major", `.changeset/${changeset.file}: ${release.name}`);
      }
    }
  });

  it("initial-release.md bumps every public package minor", () => {
    // A package added later may instead name itself `minor` in a changeset of its own.
    const minorBumped = new Set(
      changesets.flatMap((changeset) =>
        changeset.releases.filter((r) => r.type === "minor").map((r) => r.name),
      ),
    );
    const initial = changesets.find((changeset) => changeset.file === "initial-release.md");
    assert.ok(initial, ".changeset/initial-release.md is missing");
    for (const pkg of packages) {
      assert.ok(
        minorBumped.has(pkg.name),
        `${pkg.name} has no minor changeset: add it to .changeset/initial-release.md`,
      );
    }
  });

  it("no public package has a workspace package as a peer dependency", () => {
    // changesets bumps a dependent major when a peer dependency bumps minor: 0.0.0 -> 1.0.0.
    const names = new Set(workspacePackages().map((pkg) => pkg.name));
    for (const pkg of packages) {
      for (const peer of Object.keys(pkg.manifest.peerDependencies ?? {})) {
        assert.ok(
          !names.has(peer),
          `${pkg.name}: ${peer} is a peer dependency; make it a dependency ("workspace:^")`,
        );
      }
    }
  });

  it("every changeset names workspace packages only", () => {
    const names = new Set(workspacePackages().map((pkg) => pkg.name));
    for (const changeset of changesets) {
      for (const release of changeset.releases) {
        assert.ok(names.has(release.name), `.changeset/${changeset.file}: ${release.name}`);
      }
    }
  });

  it("the config has no pre-release mode and ignores only private packages", () => {
    assert.equal(existsSync(join(ROOT, ".changeset", "pre.json")), false, ".changeset/pre.json");
    const config = JSON.parse(readFileSync(join(ROOT, ".changeset", "config.json"), "utf8"));
    const privateNames = new Set(
      workspacePackages()
        .filter((p) => p.private)
        .map((p) => p.name),
    );
    for (const name of config.ignore ?? []) assert.ok(privateNames.has(name), `ignore: ${name}`);
    assert.deepEqual(config.fixed ?? [], [], "fixed groups would move packages together");
    assert.deepEqual(config.linked ?? [], [], "linked groups would move packages together");
  });

  describe("after `pnpm changeset version` in a temp copy", () => {
    let copy;
    before(() => {
      copy = copyWorkspace("apikey-changesets-");
      // Only the changesets CLI is needed, so the copy borrows the real root's installs.
      symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
      run("pnpm", ["changeset", "version"], { cwd: copy, timeoutMs: 60_000 });
    });
    after(() => {
      if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
    });

    it(`every public package is ${FIRST_VERSION}`, () => {
      for (const pkg of publicPackages(copy)) assert.equal(pkg.version, FIRST_VERSION, pkg.name);
    });

    it("private packages keep their version", () => {
      const before = new Map(workspacePackages().map((pkg) => [pkg.name, pkg.version]));
      for (const pkg of workspacePackages(copy).filter((p) => p.private)) {
        assert.equal(pkg.version, before.get(pkg.name), pkg.name);
      }
    });

    it("every public package has a CHANGELOG.md naming each of its changes", () => {
      for (const pkg of publicPackages(copy)) {
        const path = join(pkg.dir, "CHANGELOG.md");
        assert.ok(existsSync(path), `${pkg.relativeDir}/CHANGELOG.md was not written`);
        const changelog = readFileSync(path, "utf8");
        assert.match(
          changelog,
          new RegExp(`^# ${escapeRegExp(pkg.name)}\\n`),
          `${pkg.name}: title`,
        );
        assert.match(changelog, new RegExp(`^## ${escapeRegExp(FIRST_VERSION)}$`, "m"), pkg.name);
        assert.match(changelog, /^### Minor Changes$/m, `${pkg.name}: minor section`);
        for (const changeset of changesets) {
          const release = changeset.releases.find((r) => r.name === pkg.name);
          if (release === undefined || release.type === "none") continue;
          const firstLine = changeset.summary.split("\n")[0];
          assert.ok(
            changelog.includes(firstLine),
            `${pkg.name}: CHANGELOG.md lacks .changeset/${changeset.file} ("${firstLine}")`,
          );
        }
      }
    });

    it("the changesets are consumed", () => {
      assert.deepEqual(
        pendingChangesets(copy).map((changeset) => changeset.file),
        [],
        "changeset files left in .changeset/",
      );
    });
  });
});

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
