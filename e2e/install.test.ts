// A user project outside this workspace, installed with npm from packed
// tarballs (npm's hoisted node_modules), built with esbuild and run twice.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

test("the installed CLI's exit codes: clear --fn of a name that matches nothing exits 1 naming the nearest; verify exits 1 after finding damage, 0 when clean", async () => {
  await run(process.execPath, ["build.mjs"], { cwd: project });
  const env = { ...process.env, CACHEPHANT_DIR: join(project, ".cache-cli") };
  await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run("npx", ["cachephant", ...args], { cwd: project, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failure = error as { code: number; stdout: string; stderr: string };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
    }
  };
  const typo = await cli("clear", "--fn", "sqare");
  expect(typo.code).toBe(1);
  expect(typo.stderr).toContain('no cached function named "sqare"; nearest: square');
  expect((await cli("verify")).code).toBe(0);
  // Damage every content file: verify removes the two results and says so with exit 1.
  const { stdout } = await cli("ls", "--json");
  expect(JSON.parse(stdout).total.entries).toBe(2);
  const contentDir = join(project, ".cache-cli", "content-v2");
  const { stdout: files } = await run("find", [contentDir, "-type", "f"]);
  for (const file of files.trim().split("\n")) writeFileSync(file, "");
  const damaged = await cli("verify", "--json");
  expect(damaged.code).toBe(1);
  expect(JSON.parse(damaged.stdout).removedEntries).toBe(2);
  expect((await cli("verify")).code).toBe(0);
  // Nothing of square is left after the repair: clearing it now is a finding too.
  expect((await cli("clear", "--fn", "square")).code).toBe(1);
  await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
  expect((await cli("clear", "--fn", "square")).code).toBe(0);
});

test("the installed CLI marks the results of edited code superseded, and prune --superseded removes only them", async () => {
  const env = { ...process.env, CACHEPHANT_DIR: join(project, ".cache-superseded") };
  const lib = join(project, "src", "lib.ts");
  const original = readFileSync(lib, "utf8");
  const cli = async (...args: string[]) => (await run("npx", ["cachephant", ...args], { cwd: project, env })).stdout;
  try {
    await run(process.execPath, ["build.mjs"], { cwd: project });
    await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
    writeFileSync(lib, original.replace("return n * n;", "return n * n + 0;"));
    await run(process.execPath, ["build.mjs"], { cwd: project });
    await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
    expect(JSON.parse(await cli("ls", "--json")).total).toMatchObject({ entries: 4, superseded: 2 });
    expect(JSON.parse(await cli("prune", "--superseded", "--json"))).toMatchObject({ removedEntries: 2, supersededEntries: 2 });
    expect(JSON.parse(await cli("ls", "--json")).total).toMatchObject({ entries: 2, superseded: 0 });
  } finally {
    writeFileSync(lib, original);
  }
});

test("the installed CLI explains a function from the build's record and writes a report with it", async () => {
  const env = { ...process.env, CACHEPHANT_DIR: join(project, ".cache-explain") };
  const cli = async (...args: string[]) => (await run("npx", ["cachephant", ...args], { cwd: project, env })).stdout;
  await run(process.execPath, ["build.mjs"], { cwd: project });
  const before = JSON.parse(await cli("explain", "square", "--json"));
  expect(before).toMatchObject({ name: "square", file: "src/lib.ts", line: 3, source: "build", entries: { count: 0 } });
  expect(before.reaches.map((node: { label: string }) => node.label)).toEqual(["helper countRun (src/runs.ts)"]);
  await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
  expect(await cli("explain", "src/lib.ts:3")).toMatch(/^Stored:\n {2}2 entries,/m);
  expect(await cli("report", "--out", "report.html")).toBe(`Wrote a report of 1 cached function to ${join(project, "report.html")}\n`);
  expect(readFileSync(join(project, "report.html"), "utf8")).toContain('<tr data-function="square">');
});
