/**
 * The cost of dependency hashing: transforms a generated project (2,000
 * modules, 2% with a "use cache" function, each module importing helpers
 * from ~10 other files) the way the plugin does (every module through
 * `transform`, one module graph per build), without and with dependency
 * tracking, and prints the totals and their ratios. "With" is measured twice:
 * with the graph's default `revalidate: true` (each transform re-reads the
 * files it reaches, as a dev server needs) and with `revalidate: false` (a
 * one-shot build, which trusts each file once read).
 *
 *   pnpm --filter @cachephant/core build   # or: cd packages/core && ../../node_modules/.bin/tsdown
 *   node packages/core/bench/transform.bench.mjs [--modules 2000] [--runs 5] [--concurrency 8]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createModuleGraph, transform } from "../dist/index.js";

const { values: args } = parseArgs({
  options: {
    modules: { type: "string", default: "2000" },
    runs: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    keep: { type: "boolean", default: false },
  },
});
const MODULES = Number(args.modules);
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
const UTILS = Math.max(1, Math.floor(MODULES / 10)); // leaf utility modules
const CACHED_EVERY = 50; // 2% of the modules have a "use cache" function
const IMPORTS = 10;

/** mulberry32: the same project on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Utility modules (the first 10%) import at most one other utility. Every
 * other module imports one helper from each of ~10 modules with a lower
 * index (half of them utilities, half nearby feature modules), and exports
 * three functions that each call three of its imports, plus a constant.
 */
function generate(dir) {
  const next = random(2000);
  const pick = (n) => Math.floor(next() * n);
  const files = [];
  for (let i = 0; i < MODULES; i++) {
    const lines = [];
    const imported = [];
    if (i < UTILS) {
      if (i > 0 && next() < 0.5) {
        const j = pick(i);
        lines.push(`import { util${j} } from "./m${j}";`);
        imported.push(`util${j}`);
      }
      lines.push(
        `/** Utility ${i}. */`,
        `export function util${i}(value: number): number {`,
        `  const scaled = value * ${i + 1};`,
        `  return ${imported.length > 0 ? `${imported[0]}(scaled) + ` : ""}Math.round(scaled / 3);`,
        `}`,
        `export const LIMIT${i} = ${i * 7};`,
      );
    } else {
      const sources = new Set();
      const features = i - UTILS; // feature modules below this one
      for (let attempt = 0; sources.size < IMPORTS && attempt < 100; attempt++) {
        const nearbyFeature = features > 0 && attempt % 2 === 1;
        sources.add(nearbyFeature ? i - 1 - pick(Math.min(40, features)) : pick(UTILS));
      }
      for (const j of sources) {
        const name = j < UTILS ? `util${j}` : `feature${j}_${pick(3)}`;
        lines.push(`import { ${name} } from "./m${j}";`);
        imported.push(name);
      }
      lines.push(`export const CONFIG${i} = { id: ${i}, label: "module ${i}" };`);
      for (let k = 0; k < 3; k++) {
        const calls = Array.from({ length: 3 }, () => `${imported[pick(imported.length)]}(input)`);
        lines.push(
          `export function feature${i}_${k}(input: number): number {`,
          `  // Feature ${i}.${k}: combines three helpers.`,
          `  return ${calls.join(" + ")} + CONFIG${i}.id;`,
          `}`,
        );
      }
      if (i % CACHED_EVERY === 0) {
        const calls = Array.from({ length: 3 }, () => `${imported[pick(imported.length)]}(id)`);
        lines.push(
          `export async function load${i}(id: number) {`,
          `  "use cache";`,
          `  return [${calls.join(", ")}, feature${i}_0(id)];`,
          `}`,
        );
      }
    }
    const file = join(dir, "src", `m${i}.ts`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    files.push(file);
  }
  return files;
}

/** Transforms every module like a bundler: up to `CONCURRENCY` at once, one graph per build. */
async function build(modules, options) {
  const graph = createModuleGraph({ revalidate: options.revalidate !== false });
  const started = performance.now();
  let cached = 0;
  let deps = 0;
  let index = 0;
  const worker = async () => {
    while (index < modules.length) {
      const { file, code } = modules[index++];
      // The plugin's filter: modules without the text never reach transform.
      if (!code.includes("use cache")) continue;
      const result = await transform(code, file, { root: options.root, graph, trackDependencies: options.track });
      if (result) {
        cached += result.functions.length;
        deps += result.functions.reduce((sum, fn) => sum + fn.deps.length - 1, 0);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { ms: performance.now() - started, cached, deps, stats: graph.stats };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const root = mkdtempSync(join(tmpdir(), "cachephant-bench-"));
mkdirSync(join(root, "src"));
try {
  const files = generate(root);
  const modules = files.map((file) => ({ file, code: readFileSync(file, "utf8") }));
  // Warm up the JIT and the page cache.
  await build(modules, { root, track: false });
  await build(modules, { root, track: true });

  const without = [];
  const revalidating = [];
  const trusting = [];
  let last;
  let trusted;
  for (let run = 0; run < RUNS; run++) {
    without.push((await build(modules, { root, track: false })).ms);
    last = await build(modules, { root, track: true });
    revalidating.push(last.ms);
    trusted = await build(modules, { root, track: true, revalidate: false });
    trusting.push(trusted.ms);
  }
  const a = median(without);
  const b = median(revalidating);
  const c = median(trusting);
  const stats = (s) => `${s.parses} parses, ${s.reads} reads, ${s.resolutions} resolutions, ${s.expansions} nodes`;
  console.log(`project: ${MODULES} modules, ${last.cached} cached functions, ~${IMPORTS} imports per module, concurrency ${CONCURRENCY}`);
  console.log(`helpers reached per cached function: ${(last.deps / last.cached).toFixed(1)} (deps entries, at most 99 listed)`);
  console.log(`module graph per build: ${stats(last.stats)} (revalidate: false: ${trusted.stats.reads} reads)`);
  console.log(`without dependency hashing:                ${a.toFixed(1).padStart(8)} ms (median of ${RUNS})`);
  console.log(`with dependency hashing (revalidate: true): ${b.toFixed(1).padStart(7)} ms   ratio ${(b / a).toFixed(1)}x`);
  console.log(`with dependency hashing (revalidate: false):${c.toFixed(1).padStart(7)} ms   ratio ${(c / a).toFixed(1)}x`);
} finally {
  if (!args.keep) rmSync(root, { recursive: true, force: true });
  else console.log(`project kept in ${root}`);
}
