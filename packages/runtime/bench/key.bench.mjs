/**
 * Keying through `entryKey`, the runtime's own keying entry (what every call
 * of a cached function runs, hits included), in two parts:
 *
 * - small values on the hot path (small arguments, a plain-data scope value,
 *   a small Map, a class instance): nanoseconds per key, median of rounds;
 * - large values, against baselines in the same run: a 300,000-row array of
 *   small objects and a 10 MB string against `v8.serialize` + sha256 of the
 *   same value, a 100 MB typed array against sha256 of its bytes (and
 *   `v8.serialize` + sha256). Rounds in rotating order (`rounds.mjs`); prints
 *   medians and ratios to the baseline, of wall time and of CPU time.
 *
 * The runtime's `dist` is bundled, so `src/key/index.ts` is bundled on its own
 * first (here, with esbuild), next to the runtime's node_modules:
 *
 *   node bench/key.bench.mjs [--rounds 9] [--only small|large] [--baseline <another build's bundle>]
 *
 * No assertion: numbers to read and compare.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serialize } from "node:v8";
import { build } from "esbuild";
import { compareRounds } from "./rounds.mjs";

const { values: args } = parseArgs({
  options: {
    baseline: { type: "string" },
    rounds: { type: "string", default: "9" },
    only: { type: "string" },
  },
});
const bundle = resolve(import.meta.dirname, "../node_modules/.key-bench.mjs");
await build({
  entryPoints: [resolve(import.meta.dirname, "../src/key/index.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  external: ["@cachephant/core/standalone", "@cachephant/core/globals", "@cachephant/core/scan"],
  outfile: bundle,
  logLevel: "warning",
});
const current = await import(pathToFileURL(bundle).href);
const baseline = args.baseline ? await import(pathToFileURL(resolve(args.baseline)).href) : undefined;
const ROUNDS = Number(args.rounds);

const meta = {
  hash: "0123456789abcdef0123456789abcdef",
  name: "f",
  file: "src/f.ts",
  line: 1,
  paths: ["args[0]", "args[1]"],
  scope: ["config"],
};

if (args.only !== "large") await small();
if (args.only !== "small") await large();

async function small() {
  class Point {
    constructor(x, y) {
      this.x = x;
      this.y = y;
    }
  }
  /** @type {Array<[name: string, values: unknown[], scope: unknown]>} */
  const cases = [
    ["two small arguments", [1, "report.csv"], undefined],
    ["a small object argument", [{ path: "a/b.csv", sep: ",", limit: 10 }, true], undefined],
    ["a 1,000-number array", [Array.from({ length: 1000 }, (_, i) => i), 0], undefined],
    [
      "a small Map argument",
      [
        new Map([
          ["a", 1],
          ["b", 2],
          ["c", 3],
        ]),
        0,
      ],
      undefined,
    ],
    ["a class instance argument", [new Point(1, 2), 0], undefined],
    ["small arguments and a scope object", [1, 2], [{ unit: "m", digits: 2 }]],
    // Keyable only where function values count by their source (memoized per function object).
    ["a function argument", [(x) => x * 2, 0], undefined],
  ];
  if (current.loadSourceParser) await current.loadSourceParser();
  const N = 20000;
  const time = (impl, values, scope) => {
    try {
      impl.entryKey(meta, values, scope);
    } catch {
      // catch-all: a build that cannot key these values, whatever it throws, has no time for them.
      return Number.NaN;
    }
    const rounds = [];
    for (let r = 0; r < 15; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < N; i++) impl.entryKey(meta, values, scope);
      rounds.push(Number(process.hrtime.bigint() - start) / N);
    }
    rounds.sort((a, b) => a - b);
    return rounds[Math.floor(rounds.length / 2)];
  };
  console.log(`| case | current ns/key |${baseline ? " baseline ns/key | current / baseline |" : ""}`);
  console.log(`| --- | --- |${baseline ? " --- | --- |" : ""}`);
  for (const [name, values, scope] of cases) {
    // Alternate, so a busy machine slows both alike.
    const a = [];
    const b = [];
    for (let k = 0; k < 3; k++) {
      a.push(time(current, values, scope));
      if (baseline) b.push(time(baseline, values, scope));
    }
    const med = (xs) => xs.sort((x, y) => x - y)[1];
    const cur = med(a);
    if (baseline) {
      const base = med(b);
      console.log(`| ${name} | ${cur.toFixed(0)} | ${base.toFixed(0)} | ${(cur / base).toFixed(2)} |`);
    } else console.log(`| ${name} | ${cur.toFixed(0)} |`);
  }
}

async function large() {
  const sha256 = (bytes) => createHash("sha256").update(bytes).digest();
  const rows = Array.from({ length: 300_000 }, (_, i) => ({
    id: i,
    name: `row ${i}`,
    price: i * 0.25,
    active: i % 3 === 0,
  }));
  const text = Array.from({ length: 10 * 1024 * 1024 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join("");
  const floats = new Float64Array((100 * 1024 * 1024) / 8);
  for (let i = 0; i < floats.length; i++) floats[i] = i * 1.5;
  /** @type {Array<[name: string, value: unknown, binary: boolean]>} */
  const values = [
    ["300,000 rows {id, name, price, active}", rows, false],
    ["a 10 MB string", text, false],
    ["a 100 MB Float64Array", floats, true],
  ];
  for (const [name, value, binary] of values) {
    console.log(`\n${name}:`);
    const variants = [];
    if (binary) variants.push(["sha256 of the bytes", () => sha256(value)]);
    variants.push(["v8.serialize + sha256", () => sha256(serialize(value))]);
    variants.push(["entryKey (this build)", () => current.entryKey(meta, [value])]);
    if (baseline) variants.push(["entryKey (baseline build)", () => baseline.entryKey(meta, [value])]);
    // One warm-up call each, then rounds of one call (wall time in µs, by compareRounds).
    for (const [, call] of variants) call();
    // CPU time too (this process's threads, the collector's helpers included): on a loaded machine the
    // walk's wall time also waits for descheduled collector threads, which v8.serialize does not use.
    const cpu = variants.map(() => []);
    const timed = variants.map(([label, call], i) => [
      label,
      () => {
        const start = process.cpuUsage();
        call();
        const used = process.cpuUsage(start);
        cpu[i].push((used.user + used.system) / 1000);
      },
    ]);
    await compareRounds(timed, { rounds: ROUNDS, calls: 1, keys: 1, digits: 2, width: 28 });
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const [i, [label]] of variants.entries()) {
      const ms = median(cpu[i]);
      console.log(`${label.padEnd(28)} CPU median ${ms.toFixed(1)} ms (ratio ${(ms / median(cpu[0])).toFixed(2)})`);
    }
  }
}
