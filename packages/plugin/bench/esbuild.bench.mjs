/**
 * The plugin in a real esbuild bundle: the generated project of
 * `packages/core/bench/transform.bench.mjs` (2,000 modules, 2% with a
 * "use cache" function, ~10 imports each), bundled for Node with and without
 * the plugin, alternating, in one process. Prints medians and the ratio
 * (SPEC target: at most 1.5x). Runs against the built packages.
 *
 *   node packages/plugin/bench/esbuild.bench.mjs [--runs 5]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import cachephant from "../dist/esbuild.js";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(args.runs);
const here = dirname(fileURLToPath(import.meta.url));

// Reuse the core bench's generator, so both benches measure the same project.
const report = execFileSync(process.execPath, [join(here, "../../core/bench/transform.bench.mjs"), "--runs", "1", "--keep"], {
  encoding: "utf8",
});
const root = /project kept in (.+)$/m.exec(report)?.[1];
if (!root) throw new Error(`the generator did not say where the project is:\n${report}`);
// The project depends on the runtime, as a user project does.
mkdirSync(join(root, "node_modules", "@cachephant"), { recursive: true });
symlinkSync(join(here, "../../runtime"), join(root, "node_modules", "@cachephant", "runtime"), "dir");
const modules = readdirSync(join(root, "src")).filter((name) => /^m\d+\.ts$/.test(name));
writeFileSync(
  join(root, "src", "main.ts"),
  modules.map((name, i) => `export * as n${i} from "./${name.replace(/\.ts$/, "")}";`).join("\n"),
);

async function bundle(plugins) {
  const started = performance.now();
  await build({
    absWorkingDir: root,
    entryPoints: ["src/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: "out/main.mjs",
    plugins,
    logLevel: "silent",
  });
  return performance.now() - started;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const plain = [];
const withPlugin = [];
await bundle([]); // warm up
for (let i = 0; i < RUNS; i++) {
  plain.push(await bundle([]));
  withPlugin.push(await bundle([cachephant({ root })]));
}
const a = median(plain);
const b = median(withPlugin);
console.log(`esbuild, ${modules.length} modules:        ${a.toFixed(1).padStart(8)} ms (median of ${RUNS})`);
console.log(`esbuild + @cachephant/plugin: ${b.toFixed(1).padStart(8)} ms   ratio ${(b / a).toFixed(2)}x (target <= 1.5x)`);
rmSync(root, { recursive: true, force: true });
