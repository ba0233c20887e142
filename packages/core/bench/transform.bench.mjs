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
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createModuleGraph, transform } from "../dist/index.js";
import { generateProject, SHAPES } from "./project.mjs";

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
try {
  // Utility modules (the first 10%) import at most one other utility; every
  // other module imports one helper from each of ~10 lower modules and exports
  // three functions calling three of them; 2% have a "use cache" function.
  const files = generateProject(root, { modules: MODULES, shape: "transform" }).files.map((file) => join(root, file));
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
  console.log(
    `project: ${MODULES} modules, ${last.cached} cached functions, ~${SHAPES.transform.imports} imports per module, concurrency ${CONCURRENCY}`,
  );
  console.log(
    `helpers reached per cached function: ${(last.deps / last.cached).toFixed(1)} (deps entries, at most 99 listed)`,
  );
  console.log(`module graph per build: ${stats(last.stats)} (revalidate: false: ${trusted.stats.reads} reads)`);
  console.log(`without dependency hashing:                ${a.toFixed(1).padStart(8)} ms (median of ${RUNS})`);
  console.log(
    `with dependency hashing (revalidate: true): ${b.toFixed(1).padStart(7)} ms   ratio ${(b / a).toFixed(1)}x`,
  );
  console.log(
    `with dependency hashing (revalidate: false):${c.toFixed(1).padStart(7)} ms   ratio ${(c / a).toFixed(1)}x`,
  );
} finally {
  if (!args.keep) rmSync(root, { recursive: true, force: true });
  else console.log(`project kept in ${root}`);
}
