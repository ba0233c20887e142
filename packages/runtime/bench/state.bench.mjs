/**
 * The hit path of a cached function that reads no changing state must cost
 * what it cost before module state existed. Measures, in one process and in
 * rotating rounds against one warm store: a hit of a function without
 * state; the same function with one state value (a small object); and, when
 * `--baseline <path to another build's dist/index.js>` is given (e.g. the
 * main branch's), a hit of the same function through that runtime. Prints
 * the median and the fastest round of each, and their ratios to the first.
 *
 *   node packages/runtime/bench/state.bench.mjs [--calls 200] [--rounds 25] [--baseline ../main/packages/runtime/dist/index.js]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareRounds, roundsArgs } from "./rounds.mjs";

const { calls: CALLS, rounds: ROUNDS, baseline } = await roundsArgs();

const dir = mkdtempSync(join(tmpdir(), "cachephant-state-bench-"));
process.env.CACHEPHANT_DIR = dir;
const current = await import("../dist/index.js");

const config = { unit: "m", precision: 2 };
current.registerState("src/config.ts", { config: () => config });

const meta = (extra) => ({
  hash: "bench-hash",
  name: "label",
  file: "src/label.ts",
  line: 1,
  paths: ["args[0]"],
  deps: "[]",
  ...extra,
});
const body = async (x) => ({ value: x * 2, unit: "m" });
const variants = [
  ["no state (this build)", (x) => current.runCached(meta({}), [x], body)],
  ["one state value (this build)", (x) => current.runCached(meta({ state: [["src/config.ts", "config"]] }), [x], body)],
];
if (baseline) variants.push(["no state (baseline build)", (x) => baseline.runCached(meta({}), [x], body)]);

// Warm the store: every key is then a hit.
for (const [, call] of variants) for (let x = 0; x < 20; x++) await call(x);

await compareRounds(variants, { rounds: ROUNDS, calls: CALLS, keys: 20, digits: 3, width: 32 });
rmSync(dir, { recursive: true, force: true });
