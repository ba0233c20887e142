/**
 * What `cached()` costs next to a function the build step rewrote (the same
 * function, called through `runCached` with a meta object, as rewritten code
 * does). Three numbers, each as a ratio to that baseline measured in the same
 * run:
 *
 * - first call in a new process (a kernel start): import the runtime, wrap,
 *   call once (a miss). `cached()` also imports the normalizer (Babel) and
 *   analyzes the source then. Each sample is its own Node process.
 * - first call of a re-defined function (a cell run again): the normalizer is
 *   loaded; the new function object is analyzed once, then a hit.
 * - later calls: hits of the same wrapper (resolving the arguments, keying,
 *   reading the store).
 *
 *   node scripts/pnpm.mjs run build
 *   node packages/runtime/bench/cached.bench.mjs [--runs 7] [--calls 2000]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    calls: { type: "string", default: "2000" },
    child: { type: "string" },
  },
});
const RUNS = Number(args.runs);
const CALLS = Number(args.calls);
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

// The function both ways: a rewritten function's body and meta, and its source for cached().
const SOURCE = `async function load(path, opts = { sep: "," }) {
  // a small, fast body: the numbers are the cache's own cost
  return path.split(opts.sep).map((part) => part.length);
}`;
const META = {
  hash: "bench0000000000000000000000000000",
  name: "load",
  file: "bench.mjs",
  line: 1,
  paths: ["args[0]", "args[1]"],
};

if (args.child) await child(args.child);
else await parent();

/** One sample in a fresh process: prints milliseconds. */
async function child(kind) {
  const started = performance.now();
  const runtime = await import(dist);
  let load;
  if (kind === "cached") {
    load = runtime.cached((0, eval)(`(${SOURCE})`));
  } else {
    const body = (0, eval)(`(${SOURCE})`);
    load = (path, opts = { sep: "," }) => runtime.runCached(META, [path, opts], () => body(path, opts));
  }
  await load(`a,bb,${process.pid}`);
  process.stdout.write(String(performance.now() - started));
}

async function parent() {
  const cacheRoot = mkdtempSync(join(tmpdir(), "cachephant-cached-bench-"));
  try {
    const firstCall = {};
    for (const kind of ["rewritten", "cached"]) {
      const samples = [];
      for (let i = 0; i < RUNS; i++) {
        const env = { ...process.env, CACHEPHANT_DIR: join(cacheRoot, `first-${kind}`) };
        samples.push(
          Number(
            execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", kind], {
              env,
              encoding: "utf8",
            }),
          ),
        );
      }
      firstCall[kind] = median(samples);
    }

    process.env.CACHEPHANT_DIR = join(cacheRoot, "in-process");
    const runtime = await import(dist);
    const body = (0, eval)(`(${SOURCE})`);
    const rewritten = (path, opts = { sep: "," }) => runtime.runCached(META, [path, opts], () => body(path, opts));
    const wrapper = runtime.cached((0, eval)(`(${SOURCE})`));
    await rewritten("a,bb");
    await wrapper("a,bb");

    // A cell run again: a new function object from the same source, first call (a hit).
    const redefined = [];
    const redefinedBase = [];
    for (let i = 0; i < RUNS * 5; i++) {
      let started = performance.now();
      await runtime.cached((0, eval)(`(${SOURCE})`))("a,bb");
      redefined.push(performance.now() - started);
      started = performance.now();
      await rewritten("a,bb");
      redefinedBase.push(performance.now() - started);
    }

    const later = { rewritten: [], cached: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const [kind, fn] of [
        ["rewritten", rewritten],
        ["cached", wrapper],
      ]) {
        const started = performance.now();
        for (let i = 0; i < CALLS; i++) await fn("a,bb", { sep: "," });
        later[kind].push(((performance.now() - started) * 1000) / CALLS);
      }
    }

    const rows = [
      ["first call in a new process (ms)", firstCall.rewritten, firstCall.cached],
      ["first call of a re-defined function, a hit (ms)", median(redefinedBase), median(redefined)],
      ["later calls, hits (µs per call)", median(later.rewritten), median(later.cached)],
    ];
    console.log(`cached() against the rewritten function (medians of ${RUNS} runs, ${CALLS} calls per run for hits)\n`);
    console.log("| | rewritten | cached() | ratio |\n| --- | --- | --- | --- |");
    for (const [label, base, value] of rows)
      console.log(`| ${label} | ${base.toFixed(2)} | ${value.toFixed(2)} | ${(value / base).toFixed(2)}x |`);
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
