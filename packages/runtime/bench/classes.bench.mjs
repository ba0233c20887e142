/**
 * What giving class instances back costs a hit: a cached function whose
 * result is 100 points, as plain objects and as instances of a registered
 * class (stored with their class ids, given their prototype back on the way
 * out), and, with `--baseline <path to another build's dist/index.js>`, the
 * plain objects through that runtime. Rotating rounds against one warm store;
 * prints the median and the fastest round of each, and their ratios to the
 * first.
 *
 *   node packages/runtime/bench/classes.bench.mjs [--calls 200] [--rounds 25] [--baseline ../main/packages/runtime/dist/index.js]
 *
 * Runs against the built `dist`. No assertion: numbers to read and compare.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareRounds, roundsArgs } from "./rounds.mjs";

const { calls: CALLS, rounds: ROUNDS, baseline } = await roundsArgs();

const dir = mkdtempSync(join(tmpdir(), "cachephant-classes-bench-"));
process.env.CACHEPHANT_DIR = dir;
const current = await import("../dist/index.js");

class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  norm() {
    return Math.hypot(this.x, this.y);
  }
}
current.registerClasses({ "bench/point.mjs#Point@1": () => Point });

const meta = (name) => ({
  hash: `bench-${name}`,
  name,
  file: "bench/points.mjs",
  line: 1,
  paths: ["args[0]"],
  deps: "[]",
});
const points = (make) => async (n) => Array.from({ length: 100 }, (_, i) => make(n + i, i));
const plain = points((x, y) => ({ x, y }));
const instances = points((x, y) => new Point(x, y));
const variants = [
  ["100 plain objects (this build)", (n) => current.runCached(meta("plain"), [n], plain)],
  ["100 Point instances (this build)", (n) => current.runCached(meta("instances"), [n], instances)],
];
if (baseline)
  variants.push(["100 plain objects (baseline build)", (n) => baseline.runCached(meta("plain"), [n], plain)]);

// Warm the store: every key is then a hit.
for (const [, call] of variants) for (let n = 0; n < 20; n++) await call(n);
if (!((await variants[1][1](0))[0] instanceof Point)) throw new Error("a hit did not give a Point back");

await compareRounds(variants, { rounds: ROUNDS, calls: CALLS, keys: 20, digits: 3, width: 36 });
rmSync(dir, { recursive: true, force: true });
