// The first hit in a fresh process, measured from a user app: a tiny program
// built with esbuild twice, with the plugin (its cached call hits the store)
// and without it (a bare bundle: the same call runs plainly), then whole
// processes run interleaved, medians. A third bundle, the bare one importing
// node:crypto and node:v8, is the floor: keys are sha256 and results
// v8-serialized, so no runtime loads less. Run after a build:
// `node bench/start.bench.mjs [--runs N] [--baseline <a runtime package folder>]`,
// where the baseline is a copy of another build (its package.json and dist/),
// run in the same rounds.
//
// Each bundle prints, once its result is at hand, the time and CPU time since a
// module given to `node --import` ran (just before the bundle loads): the
// runtime's import and the first hit included, Node's own start left out (it
// is the same for both and, on a busy machine, the noisiest part).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const runtimeDir = fileURLToPath(new URL("..", import.meta.url));
const pluginEntry = fileURLToPath(new URL("../../plugin/dist/esbuild.js", import.meta.url));
const argument = (name) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const runs = Number(argument("--runs") ?? 21);
const baselineDir = argument("--baseline");
const root = mkdtempSync(join(tmpdir(), "cachephant-start-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

// A 1 KB result of 40 small records, as the other runtime benchmarks use.
const MAIN = `async function load(n) {
  "use cache";
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ id: i * n, name: "row-" + i });
  return rows;
}
const rows = await load(1);
const { at, cpu } = globalThis.benchStart;
const used = process.cpuUsage(cpu);
const ms = Number(process.hrtime.bigint() - at) / 1e6;
console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, rows: rows.length }));
`;

/** A user project whose `@cachephant/runtime` is the package in `runtime`. */
async function makeApp(name, runtime, pluginOptions) {
  const dir = join(root, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "node_modules", "@cachephant"), { recursive: true });
  symlinkSync(runtime, join(dir, "node_modules", "@cachephant", "runtime"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  writeFileSync(join(dir, "src", "main.mjs"), MAIN);
  writeFileSync(
    join(dir, "src", "floor.mjs"),
    `import { createHash } from "node:crypto";\nimport v8 from "node:v8";\nglobalThis.floor = [createHash, v8];\n${MAIN}`,
  );
  const { default: cachephant } = await import(pluginEntry);
  const options = { entryPoints: ["src/main.mjs"], absWorkingDir: dir, bundle: true, platform: "node", format: "esm" };
  await build({ ...options, outfile: join(dir, "dist", "bare.mjs"), logLevel: "warning" });
  await build({
    ...options,
    entryPoints: ["src/floor.mjs"],
    outfile: join(dir, "dist", "floor.mjs"),
    logLevel: "warning",
  });
  await build({
    ...options,
    outfile: join(dir, "dist", "cached.mjs"),
    plugins: [cachephant({ root: dir, ...pluginOptions })],
    logLevel: "warning",
  });
  if (!readFileSync(join(dir, "dist", "cached.mjs"), "utf8").includes("@cachephant/runtime")) {
    throw new Error("the plugin left the cached function as it was");
  }
  return dir;
}

const startFile = join(root, "start.mjs");
// process.hrtime, not performance.now(): the first use of `performance` loads perf_hooks, which would
// then count in neither bundle, though a program that never times itself does not load it.
writeFileSync(startFile, "globalThis.benchStart = { at: process.hrtime.bigint(), cpu: process.cpuUsage() };\n");

/** Runs one bundle in a fresh process: wall time, and the time and CPU time to its result (ms). */
function run(dir, bundle, env = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--import", startFile, join(dir, "dist", bundle)], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CACHEPHANT_DIR: "", CACHEPHANT_MAX_SIZE: "", CACHEPHANT_MEMORY_SIZE: "", ...env },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 || result.stderr !== "") throw new Error(`${bundle} in ${dir}: ${result.stderr}`);
  const { ms, cpuMs } = JSON.parse(result.stdout);
  return { wall, ms, cpuMs };
}

/** Fills the app's default store with `count` other entries, written by the runtime as a program would. */
function fill(dir, runtime, count) {
  const script = `const { runCached } = await import(${JSON.stringify(join(runtime, "dist", "index.js"))});
    const meta = { hash: "fill", name: "other", file: "src/other.mjs", line: 1, paths: ["args[0]"] };
    for (let i = 0; i < ${count}; i++) await runCached(meta, [i], async () => ({ i, pad: "p".repeat(150) }));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
}

const runtimes = [["this build", runtimeDir]];
if (baselineDir !== undefined) runtimes.push(["baseline", resolve(baselineDir)]);
const cases = [];
for (const [label, runtime] of runtimes) {
  for (const { store, count, pluginOptions } of [
    { store: "a small store", count: 0, pluginOptions: {} },
    { store: "1,500 entries", count: 1500, pluginOptions: {} },
    // A build with a plugin option records it under the project root, for the CLI: a call reads that file.
    { store: "a small store, the build's maxSize recorded", count: 0, pluginOptions: { maxSize: "2GB" } },
  ]) {
    const dir = await makeApp(`app-${cases.length}`, runtime, pluginOptions);
    if (count > 0) fill(dir, runtime, count);
    run(dir, "cached.mjs"); // the first run computes and stores
    run(dir, "cached.mjs");
    cases.push({ label: `${label}, ${store}`, dir, bare: [], cached: [], floor: [] });
  }
}

// Interleaved: each round runs every case's bare bundle and its cached one, so a busy machine slows them alike.
for (let i = 0; i < 3; i++) {
  for (const c of cases) {
    run(c.dir, "bare.mjs");
    run(c.dir, "cached.mjs");
  }
}
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    c.bare.push(run(c.dir, "bare.mjs"));
    c.cached.push(run(c.dir, "cached.mjs"));
    c.floor.push(run(c.dir, "floor.mjs"));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// Differences per round, then their median: a round's noise cancels better than in a difference of medians.
const over = (c, field, runs = c.cached) => median(runs.map((r, i) => r[field] - c.bare[i][field]));
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`# A fresh process's first hit — Node ${process.version}, ${cpus().length} CPUs, ${runs} runs, medians`);
console.log("");
console.log(
  "| runtime, store | bare bundle | cached bundle | over a bare bundle | CPU over a bare bundle | floor: crypto + v8 over a bare bundle (CPU) | whole process, bare | whole process, cached | over a bare bundle | ratio |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const c of cases) {
  const [bare, cached] = [c.bare, c.cached].map((rs) => median(rs.map((r) => r.ms)));
  const [bareWall, cachedWall] = [c.bare, c.cached].map((rs) => median(rs.map((r) => r.wall)));
  console.log(
    `| ${c.label} | ${ms(bare)} | ${ms(cached)} | **${ms(over(c, "ms"))}** | ${ms(over(c, "cpuMs"))} | ${ms(over(c, "ms", c.floor))} (${ms(over(c, "cpuMs", c.floor))}) | ${ms(bareWall)} | ${ms(cachedWall)} | ${ms(over(c, "wall"))} | ${(cachedWall / bareWall).toFixed(2)}x |`,
  );
}
