// Variants of one call measured against the first, in short blocks and in
// rotating order, so that load from elsewhere on a shared machine slows each
// alike: the ratios hold where the absolute times do not.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/**
 * The options these benchmarks share: `--calls N` per block (200),
 * `--rounds N` (25), `--baseline path/to/index.js` of another build of the
 * runtime to measure beside this one (loaded).
 */
export async function roundsArgs() {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "200" },
      rounds: { type: "string", default: "25" },
      baseline: { type: "string" },
    },
  });
  const baseline = values.baseline ? await import(pathToFileURL(resolve(values.baseline)).href) : undefined;
  return { calls: Number(values.calls), rounds: Number(values.rounds), baseline };
}

/**
 * Measures each `[name, call]` of `variants` in `rounds` blocks of `calls`
 * calls (`call(i % keys)`), then prints each one's median and fastest block
 * per call, and their ratios to the first variant's.
 */
export async function compareRounds(variants, { rounds, calls, keys, digits = 2, width = 34 }) {
  const samples = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, index) => (index + round) % variants.length);
    for (const index of order) {
      const call = variants[index][1];
      const start = performance.now();
      for (let i = 0; i < calls; i++) await call(i % keys);
      samples[index].push(((performance.now() - start) * 1000) / calls);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const fastest = (values) => Math.min(...values);
  const [baseMedian, baseFastest] = [median(samples[0]), fastest(samples[0])];
  for (const [index, [name]] of variants.entries()) {
    const [m, f] = [median(samples[index]), fastest(samples[index])];
    console.log(
      `${name.padEnd(width)} median ${m.toFixed(1).padStart(7)} µs (ratio ${(m / baseMedian).toFixed(digits)})   fastest round ${f.toFixed(1).padStart(7)} µs (ratio ${(f / baseFastest).toFixed(digits)})`,
    );
  }
}
