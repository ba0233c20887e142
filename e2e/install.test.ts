// A user project outside this workspace, installed with npm from packed
// tarballs (npm's hoisted node_modules), built with esbuild and run twice.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { packRelease } from "./helpers/release.js";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

let project: string;
let releaseDir: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "cachephant-npm-project-"));
  // The release step's tarballs: real version ranges, no workspace: left.
  const release = await packRelease();
  releaseDir = release.dir;
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "npm-user-project",
      private: true,
      type: "module",
      dependencies: {
        "@cachephant/runtime": `file:${release.tarball("runtime")}`,
        "@cachephant/core": `file:${release.tarball("core")}`,
      },
      devDependencies: {
        "@cachephant/plugin": `file:${release.tarball("plugin")}`,
        esbuild: "~0.28.0",
      },
    }),
  );
  cpSync(join(repo, "e2e", "fixtures", "app", "src"), join(project, "src"), { recursive: true });
  cpSync(join(repo, "e2e", "fixtures", "app", "build.mjs"), join(project, "build.mjs"));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project });
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
  if (releaseDir) rmSync(releaseDir, { recursive: true, force: true });
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
