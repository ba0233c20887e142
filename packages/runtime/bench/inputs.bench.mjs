/**
 * What checking recorded run-time inputs costs on a hit. In one process, in
 * rotating rounds against one warm store: a hit of a function that read
 * nothing while it computed (its entry records no inputs: the check is one
 * field test), and a hit of a function that read 10 small files with
 * `readFileSync` an hour after they were written (its entry records 10
 * files: each hit stats them; see "racy" below). Both
 * run with the hooks installed. Prints the median and the fastest round of
 * each, and the ratio to the first (SPEC target: at most 2x); twice: hits
 * from disk (the memory tier off), then hits from the memory tier, where a
 * plain hit costs a few microseconds and 10 stats weigh more. With
 * `--baseline <another build's dist/index.js>`, also a hit without inputs
 * through that runtime (e.g. a build from before inputs were recorded).
 *
 *   node packages/runtime/bench/inputs.bench.mjs [--calls 200] [--rounds 25] [--baseline path]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareRounds, roundsArgs } from "./rounds.mjs";

const { calls: CALLS, rounds: ROUNDS, baseline } = await roundsArgs();
const KEYS = 20;

const dir = mkdtempSync(join(tmpdir(), "cachephant-inputs-bench-"));
process.env.CACHEPHANT_DIR = join(dir, "store");
const current = await import("../dist/index.js");

const files = [];
mkdirSync(join(dir, "data"));
for (let i = 0; i < 10; i++) {
  const file = join(dir, "data", `part-${i}.csv`);
  writeFileSync(file, `${i},${"x".repeat(90)}\n`);
  // Data files are older than a run: a file written in the last 2 s is "racy"
  // (its mtime cannot tell a same-second edit) and has its content hashed on
  // every hit instead, which is not the case measured here.
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, hourAgo, hourAgo);
  files.push(file);
}

const meta = (hash) => ({ hash, name: "load", file: "src/load.ts", line: 1, paths: ["args[0]"], deps: "[]" });
const plain = meta("bench-inputs-none");
const reading = meta("bench-inputs-files");
const body = async (x) => ({ value: x * 2, rows: Array.from({ length: 10 }, (_, i) => ({ i, name: `row${i}` })) });
const bodyReading = async (x) => {
  let bytes = 0;
  for (const file of files) bytes += readFileSync(file).length;
  return { ...(await body(x)), bytes };
};
const variants = [
  ["hit, no inputs recorded", (x) => current.runCached(plain, [x], body)],
  ["hit checking 10 recorded files", (x) => current.runCached(reading, [x], bodyReading)],
];
if (baseline) variants.push(["hit, no inputs (baseline build)", (x) => baseline.runCached(plain, [x], body)]);

// Warm the store: every key is then a hit (the first miss installs the hooks).
for (const [, call] of variants) for (let x = 0; x < KEYS; x++) await call(x);

console.log("Hits from disk (memory tier off):");
current.configure({ memorySize: 0 });
await compareRounds(variants, { rounds: ROUNDS, calls: CALLS, keys: KEYS });
console.log("\nHits from the memory tier:");
current.configure({ memorySize: undefined });
await compareRounds(variants, { rounds: ROUNDS, calls: CALLS, keys: KEYS });
rmSync(dir, { recursive: true, force: true });
