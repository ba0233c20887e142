/**
 * The plugin in real builds of a generated 2,000-module TypeScript project
 * (see `packages/core/bench/project.mjs`; shapes "wide" and "deep"): esbuild and Vite
 * (`build --ssr`) without the plugin, with it on a fresh checkout (no build
 * cache from earlier builds) and rebuilt with nothing changed; plus the Vite
 * dev server's first request of a module with a cached function. Runs
 * alternate in one process (so loading the plugin is not counted), and
 * again each in a new process as a build script runs (counted: the core's
 * analysis loads only when a module needs it); prints medians and ratios to the no-plugin
 * baseline of the same run, as Markdown tables of wall time and of CPU time
 * (steadier than wall time on a machine shared with other work). Runs against the built
 * packages (`pnpm bench` builds them first).
 *
 *   node packages/plugin/bench/builds.bench.mjs [--runs 5] [--modules 2000] [--shape wide,deep]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build as esbuild } from "esbuild";
import { build as viteBuild, createServer } from "vite";
import cachephantEsbuild from "../dist/esbuild.js";
import cachephantVite from "../dist/vite.js";
import { generateProject } from "../../core/bench/project.mjs";
import { cpuNow } from "./cpu.mjs";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    modules: { type: "string", default: "2000" },
    shape: { type: "string", default: "wide,deep" },
  },
});
const RUNS = Number(args.runs);
const here = dirname(fileURLToPath(import.meta.url));
const runtimeDir = join(here, "../../runtime");

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Wall and CPU time of one run. */
const time = async (fn) => {
  const cpu = cpuNow();
  const started = performance.now();
  await fn();
  const wall = performance.now() - started;
  const after = cpuNow();
  return { wall, cpu: cpu === undefined || after === undefined ? NaN : after - cpu };
};

function esbuildOnce(root, withPlugin) {
  return esbuild({
    absWorkingDir: root,
    entryPoints: ["src/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: "out-esbuild/main.mjs",
    plugins: withPlugin ? [cachephantEsbuild({ root })] : [],
    logLevel: "silent",
  });
}

function viteOnce(root, withPlugin) {
  return viteBuild({
    root,
    configFile: false,
    logLevel: "silent",
    plugins: withPlugin ? [cachephantVite({ root })] : [],
    build: { ssr: "src/main.ts", outDir: "out-vite", emptyOutDir: true, minify: false },
  });
}

/** A dev server's first SSR request of `file` (server start not counted). */
async function devRequestOnce(root, withPlugin, file) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: "silent",
    plugins: withPlugin ? [cachephantVite({ root })] : [],
    server: { middlewareMode: true, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    return await time(() => server.environments.ssr.transformRequest(`/${file}`));
  } finally {
    await server.close();
  }
}

/**
 * Baseline, fresh and rebuilt, alternating. "fresh" deletes the project's
 * `node_modules/.cache` before the build; "rebuilt" runs after a build of
 * the same project left its cache there.
 */
async function measure(root, once, timed = (fn) => time(fn)) {
  const clearCache = () => rmSync(join(root, "node_modules", ".cache"), { recursive: true, force: true });
  const plain = [];
  const fresh = [];
  const rebuilt = [];
  await once(false); // warm up JIT and page cache
  clearCache();
  await once(true);
  for (let run = 0; run < RUNS; run++) {
    plain.push(await timed(() => once(false)));
    clearCache();
    fresh.push(await timed(() => once(true)));
    rebuilt.push(await timed(() => once(true)));
  }
  const medians = (runs) => ({ wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) });
  return { plain: medians(plain), fresh: medians(fresh), rebuilt: medians(rebuilt) };
}

/**
 * One build in a new Node process, as `node build.mjs` or `vite build` runs
 * it: wall time of the whole process (start, imports, build, exit) and the
 * CPU time it reports at the end (`cpu.mjs`: its own since start, and esbuild's).
 */
function processOnce(root, tool, withPlugin) {
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(root, "bench-build.mjs"), tool, withPlugin ? "plugin" : "plain"], {
    cwd: root,
    encoding: "utf8",
  });
  const wall = performance.now() - started;
  if (child.status !== 0) throw new Error(`bench-build.mjs ${tool} failed:\n${child.stderr}`);
  return { wall, cpu: JSON.parse(child.stdout.trim().split("\n").at(-1)).cpu };
}

/** The script `processOnce` runs, written into the generated project. */
function writeBuildScript(root) {
  const url = (specifier) => JSON.stringify(import.meta.resolve(specifier));
  writeFileSync(
    join(root, "bench-build.mjs"),
    `import { cpuNow } from ${url("./cpu.mjs")};
const [tool, mode] = process.argv.slice(2);
const root = process.cwd();
if (tool === "esbuild") {
  const { build } = await import(${url("esbuild")});
  const plugins = mode === "plugin" ? [(await import(${url("../dist/esbuild.js")})).default({ root })] : [];
  await build({ absWorkingDir: root, entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "esm", outfile: "out-esbuild/main.mjs", plugins, logLevel: "silent" });
} else {
  const { build } = await import(${url("vite")});
  const plugins = mode === "plugin" ? [(await import(${url("../dist/vite.js")})).default({ root })] : [];
  await build({ root, configFile: false, logLevel: "silent", plugins, build: { ssr: "src/main.ts", outDir: "out-vite", emptyOutDir: true, minify: false } });
}
console.log(JSON.stringify({ cpu: cpuNow() }));
process.exit(0);
`,
  );
}

const rows = [];
for (const shape of args.shape.split(",")) {
  const root = mkdtempSync(join(tmpdir(), `cachephant-builds-${shape}-`));
  try {
    const { files, cached } = generateProject(root, { modules: Number(args.modules), shape, runtimeDir });
    const label = `${shape}, ${files.length} modules, ${cached.length} cached`;
    const target = cached[Math.floor(cached.length / 2)];
    const esb = await measure(root, (withPlugin) => esbuildOnce(root, withPlugin));
    rows.push({ what: `esbuild (${label})`, ...esb, targets: "2x / 1.5x" });
    const vite = await measure(root, (withPlugin) => viteOnce(root, withPlugin));
    rows.push({ what: `Vite build --ssr (${label})`, ...vite, targets: "1.3x / 1.1x" });
    // Timed inside: the server's start is not counted.
    const dev = await measure(
      root,
      (withPlugin) => devRequestOnce(root, withPlugin, target),
      (fn) => fn(),
    );
    rows.push({ what: `Vite dev, first SSR request of ${target} (${shape})`, ...dev, targets: "-" });
    writeBuildScript(root);
    const esbProcess = await measure(
      root,
      (withPlugin) => processOnce(root, "esbuild", withPlugin),
      (fn) => fn(),
    );
    rows.push({ what: `esbuild, each build a new process (${shape})`, ...esbProcess, targets: "2x / 1.5x" });
    const viteProcess = await measure(
      root,
      (withPlugin) => processOnce(root, "vite", withPlugin),
      (fn) => fn(),
    );
    rows.push({
      what: `Vite build --ssr, each build a new process (${shape})`,
      ...viteProcess,
      targets: "1.3x / 1.1x",
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const ms = (x) => (Number.isNaN(x) ? "-" : `${x.toFixed(0)} ms`);
const ratio = (x, base) => (Number.isNaN(x) ? "-" : `${(x / base).toFixed(2)}x`);
console.log(
  `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}, load average ${loadavg()[0].toFixed(1)} at the end, median of ${RUNS} runs`,
);
for (const kind of ["wall", "cpu"]) {
  console.log(`\n${kind === "wall" ? "Wall time" : "CPU time (this process and esbuild's)"}:\n`);
  console.log(
    "| build | without plugin | fresh checkout | ratio | rebuilt, nothing changed | ratio | SPEC (fresh / rebuilt) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const [a, b, c] = [r.plain[kind], r.fresh[kind], r.rebuilt[kind]];
    console.log(`| ${r.what} | ${ms(a)} | ${ms(b)} | ${ratio(b, a)} | ${ms(c)} | ${ratio(c, a)} | ${r.targets} |`);
  }
}
