/**
 * Hits of a cached function that reads a 300,000-row module array (parsed
 * JSON), in one process and in rotating rounds against one warm store:
 * without the array in its scope (the reference); with the array marked as
 * never changing after load (`unchangingScope`: keyed once per process, by
 * identity); and unmarked (walked and hashed on every call, as a build that
 * cannot prove it keys it). Each block is 10 hits; prints the median and the
 * fastest block per hit, and their ratios to the first.
 *
 *   node packages/runtime/bench/once.bench.mjs [--calls 10] [--rounds 5]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compareRounds } from "./rounds.mjs";

const { values: args } = parseArgs({
  options: { calls: { type: "string", default: "10" }, rounds: { type: "string", default: "5" } },
});

const dir = mkdtempSync(join(tmpdir(), "cachephant-once-bench-"));
process.env.CACHEPHANT_DIR = dir;
const { runCached } = await import("../dist/index.js");

const rows = JSON.parse(
  JSON.stringify(
    Array.from({ length: 300_000 }, (_, i) => ({ id: i, name: `row ${i}`, price: i * 0.25, active: i % 3 === 0 })),
  ),
);

const meta = (extra) => ({
  hash: "bench-once",
  name: "priceOf",
  file: "src/prices.ts",
  line: 1,
  paths: ["args[0]"],
  deps: "[]",
  ...extra,
});
const body = async (id) => rows[id].price;
const scope = () => [rows];
const variants = [
  ["no scope value", (x) => runCached(meta({ name: "plain" }), [x], body)],
  [
    "rows keyed once (unchangingScope)",
    (x) => runCached(meta({ scope: ["rows"], unchangingScope: [0] }), [x], body, scope),
  ],
  ["rows keyed on every call", (x) => runCached(meta({ name: "every", scope: ["rows"] }), [x], body, scope)],
];

// Warm the store (and the marked value's encoding): every call below is a hit.
for (const [, call] of variants) await call(0);

await compareRounds(variants, {
  rounds: Number(args.rounds),
  calls: Number(args.calls),
  keys: 1,
  digits: 1,
  width: 36,
});
rmSync(dir, { recursive: true, force: true });
