/**
 * `entryKey` on its hot path: small arguments, a plain-data scope value, a
 * small Map, a class instance argument. Prints nanoseconds per key (median of
 * rounds), and, with `--baseline <another build's dist/key.js>`, the ratio.
 *
 * The runtime's `dist` is bundled, so `key/` is bundled on its own first,
 * next to the runtime's node_modules (it loads `@cachephant/core/standalone`
 * for function and class values):
 *
 *   cd packages/runtime && npx esbuild src/key/index.ts --bundle --platform=node --format=esm \
 *     --external:@cachephant/core/standalone --external:@cachephant/core/globals \
 *     --external:@cachephant/core/scan --outfile=node_modules/.key-bench.mjs
 *   node bench/key.bench.mjs --current node_modules/.key-bench.mjs [--baseline /tmp/key-main.mjs]
 *
 * No assertion: numbers to read and compare.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { current: { type: "string" }, baseline: { type: "string" }, rounds: { type: "string", default: "15" } },
});
const current = await import(pathToFileURL(resolve(args.current ?? "node_modules/.key-bench.mjs")).href);
const baseline = args.baseline ? await import(pathToFileURL(resolve(args.baseline)).href) : undefined;

class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
}
const meta = {
  hash: "0123456789abcdef0123456789abcdef",
  name: "f",
  file: "src/f.ts",
  line: 1,
  paths: ["args[0]", "args[1]"],
  scope: ["config"],
};
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
const ROUNDS = Number(args.rounds);
const N = 20000;
function time(impl, values, scope) {
  try {
    impl.entryKey(meta, values, scope);
  } catch {
    // catch-all: a build that cannot key these values, whatever it throws, has no time for them.
    return Number.NaN;
  }
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) impl.entryKey(meta, values, scope);
    rounds.push(Number(process.hrtime.bigint() - start) / N);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)];
}
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
