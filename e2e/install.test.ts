// A user project outside this workspace, installed with npm from packed
// tarballs (npm's hoisted node_modules), built with esbuild and run twice.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const { packageManager } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { packageManager: string };

let project: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "cachephant-npm-project-"));
  const tarballs = join(project, "tarballs");
  mkdirSync(tarballs);
  // pnpm pack turns the workspace: ranges into real versions, as a publish does.
  for (const name of ["core", "runtime", "plugin"]) {
    await run("npx", ["--yes", packageManager, "pack", "--pack-destination", tarballs], {
      cwd: join(repo, "packages", name),
    });
  }
  const tarball = (name: string) => `file:./tarballs/cachephant-${name}-0.1.0.tgz`;
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "npm-user-project",
      private: true,
      type: "module",
      dependencies: { "@cachephant/runtime": tarball("runtime") },
      devDependencies: {
        "@cachephant/plugin": tarball("plugin"),
        "@cachephant/core": tarball("core"),
        esbuild: "~0.28.0",
      },
      // The plugin's own dependencies on core and runtime: these tarballs too.
      overrides: { "@cachephant/core": "$@cachephant/core", "@cachephant/runtime": "$@cachephant/runtime" },
    }),
  );
  cpSync(join(repo, "e2e", "fixtures", "app", "src"), join(project, "src"), { recursive: true });
  cpSync(join(repo, "e2e", "fixtures", "app", "build.mjs"), join(project, "build.mjs"));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project });
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

test("an npm-installed project builds with esbuild and its second run is served from the cache", async () => {
  for (const packages of ["bundled", "external"]) {
    await run(process.execPath, ["build.mjs"], { cwd: project, env: { ...process.env, E2E_PACKAGES: packages } });
    const env = { ...process.env, CACHEPHANT_DIR: join(project, `.cache-${packages}`) };
    const first = JSON.parse((await run(process.execPath, ["dist/main.mjs"], { cwd: project, env })).stdout);
    const second = JSON.parse((await run(process.execPath, ["dist/main.mjs"], { cwd: project, env })).stdout);
    expect(first).toEqual({ result: [9, 16], runs: { square: 2 } });
    expect(second).toEqual({ result: [9, 16], runs: {} });
  }
});
