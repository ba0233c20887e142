// A user project outside this workspace, installed with npm from packed
// tarballs (npm's hoisted node_modules), built with esbuild and run twice.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
let production: string | undefined;
let runtimeTarball: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "cachephant-npm-project-"));
  // The release step's tarballs: real version ranges, no workspace: left.
  const release = await packRelease();
  releaseDir = release.dir;
  runtimeTarball = release.tarball("runtime");
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
  if (production) rmSync(production, { recursive: true, force: true });
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
    expect(JSON.parse(await cli("prune", "--superseded", "--json"))).toMatchObject({
      removedEntries: 2,
      supersededEntries: 2,
    });
    expect(JSON.parse(await cli("ls", "--json")).total).toMatchObject({ entries: 2, superseded: 0 });
  } finally {
    writeFileSync(lib, original);
  }
});

test("a production install (npm install --omit=dev) of the runtime installs the runtime alone (no Babel, no magic-string, no Redis client), and a built program is served from its cache there; cached() and the remote tier name the package they need", async () => {
  // The program is built where the build tools are, then deployed with its runtime only.
  await run(process.execPath, ["build.mjs"], { cwd: project, env: { ...process.env, E2E_PACKAGES: "external" } });
  production = mkdtempSync(join(tmpdir(), "cachephant-production-"));
  mkdirSync(join(production, "dist"));
  cpSync(join(project, "dist", "main.mjs"), join(production, "dist", "main.mjs"));
  writeFileSync(
    join(production, "package.json"),
    JSON.stringify({
      name: "deployed-app",
      private: true,
      type: "module",
      dependencies: { "@cachephant/runtime": `file:${runtimeTarball}` },
    }),
  );
  await run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: production });
  // The runtime alone: no Babel, no magic-string, no core, no ioredis, no cacache (the store writes its layout itself).
  const modules = join(production, "node_modules");
  const installed = readdirSync(modules).filter((name) => !name.startsWith("."));
  expect(installed).toEqual(["@cachephant"]);
  expect(readdirSync(join(modules, "@cachephant"))).toEqual(["runtime"]);

  const env = { ...process.env, CACHEPHANT_DIR: join(production, ".cache") };
  const first = JSON.parse((await run(process.execPath, ["dist/main.mjs"], { cwd: production, env })).stdout);
  const second = JSON.parse((await run(process.execPath, ["dist/main.mjs"], { cwd: production, env })).stdout);
  expect(first).toEqual({ result: [9, 16], runs: { square: 2 } });
  expect(second).toEqual({ result: [9, 16], runs: {} });

  // cached() needs the core's normalizer: its call rejects with one line naming the package.
  writeFileSync(
    join(production, "notebook.mjs"),
    `import { cached } from "@cachephant/runtime";
const double = cached(async function double(x) { return 2 * x; });
try { await double(1); console.log("served"); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }
`,
  );
  const { stdout } = await run(process.execPath, ["notebook.mjs"], { cwd: production, env });
  expect(JSON.parse(stdout)).toEqual({
    code: "CACHEPHANT_MISSING_PACKAGE",
    message: "cached() needs the package @cachephant/core, which is not installed: run npm install @cachephant/core",
  });

  // The remote tier needs ioredis: the program still runs (local store only) and the warning names the package.
  const remote = await run(process.execPath, ["dist/main.mjs"], {
    cwd: production,
    env: {
      ...env,
      CACHEPHANT_DIR: join(production, ".cache-remote"),
      CACHEPHANT_REMOTE: "redis://127.0.0.1:1/0",
      CACHEPHANT_REMOTE_KEY: "a-team-secret",
    },
  });
  expect(JSON.parse(remote.stdout)).toEqual({ result: [9, 16], runs: { square: 2 } });
  expect(remote.stderr).toContain("needs the package ioredis, which is not installed: run npm install ioredis");
}, 300_000);

test("the installed CLI counts hits and misses, explains a function from the build's record and writes a report with it", async () => {
  const env = { ...process.env, CACHEPHANT_DIR: join(project, ".cache-explain") };
  const cli = async (...args: string[]) => (await run("npx", ["cachephant", ...args], { cwd: project, env })).stdout;
  await run(process.execPath, ["build.mjs"], { cwd: project });
  const before = JSON.parse(await cli("explain", "square", "--json"));
  expect(before).toMatchObject({ name: "square", file: "src/lib.ts", line: 3, source: "build", entries: { count: 0 } });
  expect(before.reaches.map((node: { label: string }) => node.label)).toEqual(["helper countRun (src/runs.ts)"]);
  await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
  await run(process.execPath, ["dist/main.mjs"], { cwd: project, env });
  // Each process's counts, written when it exited: two misses, then two hits.
  expect(JSON.parse(await cli("ls", "--json")).functions).toEqual([
    expect.objectContaining({ name: "square", hits: 2, misses: 2 }),
  ]);
  expect(await cli("explain", "src/lib.ts:3")).toMatch(/^Stored:\n {2}2 entries,/m);
  expect(await cli("report", "--out", "report.html")).toBe(
    `Wrote a report of 1 cached function to ${join(project, "report.html")}\n`,
  );
  expect(readFileSync(join(project, "report.html"), "utf8")).toContain('<tr data-function="square">');
});
