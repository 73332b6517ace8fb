#!/usr/bin/env node
// `pnpm release`: build, check and publish every public package with `changeset publish`.
// `pnpm release --dry-run` (or `pnpm release:dry-run`) does the same in a temp copy of the
// working tree, after `changeset version` if changesets are pending (so it previews the next
// release), and publishes to a throwaway verdaccio registry instead of npm; it then checks
// what landed there and installs it into a fresh project. CI runs the dry run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pendingChangesets } from "./changesets.mjs";
import { startLocalRegistry } from "./local-registry.mjs";
import { packPackages, tarballProblems } from "./pack.mjs";
import { changelogProblems, metadataProblems } from "./package-metadata.mjs";
import { capture, cleanNpmEnv, copyWorkspace, publicPackages, ROOT, run } from "./workspace.mjs";

const USAGE = "usage: pnpm release [--dry-run] [--keep]";
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--dry-run" && arg !== "--keep");
if (unknown.length > 0) {
  console.error(`${USAGE}\nunknown argument(s): ${unknown.join(" ")}`);
  process.exit(2);
}

try {
  if (args.includes("--dry-run")) await dryRun({ keep: args.includes("--keep") });
  else await release();
} catch (error) {
  console.error(`release: ${error.message}${error.cause ? ` (${error.cause})` : ""}`);
  process.exit(1);
}

/** The real release, from this working tree, to the registry npm is configured for. */
async function release() {
  const pending = pendingChangesets(ROOT);
  if (pending.length > 0) {
    throw new Error(
      `${pending.length} changeset(s) are pending (${pending.map((c) => c.file).join(", ")}): ` +
        "run `pnpm changeset version`, review and commit the versions and CHANGELOG.md files, then release",
    );
  }
  buildAndCheck(ROOT);
  run("pnpm", ["exec", "changeset", "publish"], { cwd: ROOT });
}

/** The release in a temp copy, published to a local verdaccio; throws on any difference. */
async function dryRun({ keep }) {
  const started = Date.now();
  const copy = copyWorkspace("apikey-release-dry-run-");
  let registry;
  try {
    run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"], {
      cwd: copy,
    });
    if (pendingChangesets(copy).length > 0) {
      run("pnpm", ["changeset", "version"], { cwd: copy, timeoutMs: 60_000 });
    }
    const packages = publicPackages(copy);
    buildAndCheck(copy);

    registry = await startLocalRegistry();
    const token = await registry.addUser("release-dry-run");
    const userconfig = join(copy, ".npmrc-release-dry-run");
    const host = registry.url.replace(/^https?:/, "");
    writeFileSync(userconfig, `registry=${registry.url}\n${host}:_authToken=${token}\n`);
    const registryEnv = cleanNpmEnv({
      npm_config_registry: registry.url,
      npm_config_userconfig: userconfig,
    });
    run("pnpm", ["exec", "changeset", "publish", "--no-git-tag"], { cwd: copy, env: registryEnv });

    const problems = await registryProblems(registry, packages);
    if (problems.length > 0) throw new Error(`the local registry holds:\n${problems.join("\n")}`);
    installFromRegistry(packages, registryEnv);

    const seconds = Math.round((Date.now() - started) / 1000);
    const published = packages.map((p) => `${p.name}@${p.version}`).join(", ");
    console.log(`release dry run: published ${published} to ${registry.url} in ${seconds} s`);
  } finally {
    await registry?.stop();
    if (keep) console.log(`release dry run: the copy is kept in ${copy}`);
    else rmSync(copy, { recursive: true, force: true });
  }
}

/** What differs between the registry and the packages it should now hold, as messages. */
async function registryProblems(registry, packages) {
  const problems = [];
  for (const pkg of packages) {
    const packument = await registry.packument(pkg.name);
    if (packument === undefined) {
      problems.push(`${pkg.name} was not published`);
      continue;
    }
    const latest = packument["dist-tags"]?.latest;
    if (latest !== pkg.version)
      problems.push(`${pkg.name}: latest is ${latest}, not ${pkg.version}`);
    const published = packument.versions?.[pkg.version] ?? {};
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      for (const [name, range] of Object.entries(published[field] ?? {})) {
        if (range.startsWith("workspace:")) problems.push(`${pkg.name}: ${field}.${name} ${range}`);
      }
    }
  }
  return problems;
}

/**
 * Build the public packages and lint their tarballs (publint, attw), then check metadata,
 * CHANGELOG.md and tarball contents. Tests and type checks are `pnpm test`'s job (CI), which
 * must be green on the commit being released.
 */
function buildAndCheck(root) {
  const packages = publicPackages(root);
  const filters = packages.map((pkg) => `--filter=${pkg.name}`);
  run("pnpm", ["exec", "turbo", "run", "build", "check:package", ...filters], {
    cwd: root,
    timeoutMs: 900_000,
  });
  const packDir = mkdtempSync(join(tmpdir(), "apikey-release-pack-"));
  try {
    const packed = packPackages(packages, packDir);
    const problems = packages.flatMap((pkg) => [
      ...metadataProblems(pkg, root),
      ...changelogProblems(pkg),
      ...tarballProblems(pkg, packed.get(pkg.name), root),
    ]);
    if (problems.length > 0) throw new Error(`the packages are not ready:\n${problems.join("\n")}`);
    console.log(`release: ${packages.length} packages checked (metadata, CHANGELOG.md, tarballs)`);
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

/**
 * Installs, from the local registry, the published packages whose dependencies it can serve
 * (the registry proxies nothing: ioredis, redis, vitest, ... are not there), and imports each.
 */
function installFromRegistry(packages, registryEnv) {
  const published = new Set(packages.map((pkg) => pkg.name));
  const installable = packages.filter((pkg) => {
    const optional = pkg.manifest.peerDependenciesMeta ?? {};
    const peers = Object.keys(pkg.manifest.peerDependencies ?? {});
    return [
      ...Object.keys(pkg.manifest.dependencies ?? {}),
      ...peers.filter((name) => optional[name]?.optional !== true),
    ].every((name) => published.has(name));
  });
  const project = mkdtempSync(join(tmpdir(), "apikey-release-consumer-"));
  try {
    writeFileSync(join(project, "package.json"), '{ "private": true, "type": "module" }\n');
    // Optional peers the registry cannot serve (vitest) are left out (--legacy-peer-deps).
    const specs = installable.map((pkg) => `${pkg.name}@${pkg.version}`);
    run("npm", ["install", "--no-audit", "--no-fund", "--legacy-peer-deps", ...specs], {
      cwd: project,
      env: registryEnv,
      timeoutMs: 120_000,
    });
    for (const pkg of installable) {
      const source = `import * as m from ${JSON.stringify(pkg.name)}; if (Object.keys(m).length === 0) process.exit(1);`;
      capture(process.execPath, ["--input-type=module", "-e", source], { cwd: project });
    }
    console.log(`release dry run: installed back ${specs.join(", ")}`);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
