#!/usr/bin/env node
// `pnpm release:pack`: packs @cachephant/core, /runtime and /plugin (built
// first by the package script) into release/ (or the folder given as the
// first argument), as a publish would: pnpm pack
// turns the workspace: ranges into the real versions. Checks that no
// workspace: range is left, then prints how to install the tarballs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const release = resolve(process.argv[2] ?? join(root, "release"));
// Core before the plugin that depends on it; the runtime is what programs load.
const PACKAGES = ["core", "runtime", "plugin"];

rmSync(release, { recursive: true, force: true });
mkdirSync(release);
for (const name of PACKAGES) {
  const status = spawnSync(
    process.execPath,
    [join(root, "scripts", "pnpm.mjs"), "-C", `packages/${name}`, "pack", "--pack-destination", release],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    },
  ).status;
  if (status !== 0) {
    console.error(`release:pack: packing packages/${name} failed`);
    process.exit(1);
  }
}

const tarballs = readdirSync(release)
  .filter((file) => file.endsWith(".tgz"))
  .sort();
for (const tarball of tarballs) {
  const manifest = execFileSync("tar", ["-xzOf", join(release, tarball), "package/package.json"], { encoding: "utf8" });
  const ranges = Object.entries({ ...JSON.parse(manifest).dependencies, ...JSON.parse(manifest).peerDependencies });
  const local = ranges.filter(([, range]) => /^(workspace|file|link):/.test(range));
  if (local.length > 0) {
    console.error(
      `release:pack: ${tarball} still depends on ${local.map(([name, range]) => `${name}@${range}`).join(", ")}`,
    );
    process.exit(1);
  }
}

const path = (name) =>
  join(
    release,
    tarballs.find((file) => file.startsWith(`cachephant-${name}-`)),
  );
console.log(`Packed into ${release}:\n${tarballs.map((file) => `  ${file}`).join("\n")}

Install them in a project (npm):
  npm install ${path("core")} ${path("runtime")}
  npm install -D ${path("plugin")}`);
