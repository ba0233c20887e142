// Builds the demo with esbuild and the Cachephant plugin, empties its cache,
// then runs the program twice in new processes and compares the timings.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const node = process.execPath;
const env = { ...process.env, CACHEPHANT_DIR: "", CACHEPHANT: "" };

function step(title) {
  console.log(`\n\x1b[1m${title}\x1b[0m`);
}

step("Building src/main.ts with esbuild + @cachephant/plugin");
execFileSync(node, ["build.mjs"], { stdio: "inherit", env });
rmSync(".cache", { recursive: true, force: true });

const timings = [];
for (const run of ["first run (computes)", "second run (new process, same cache)"]) {
  step(run);
  const started = performance.now();
  const output = execFileSync(node, ["out/main.mjs"], { encoding: "utf8", env });
  const total = performance.now() - started;
  const inside = Number(/^TIME (\S+)$/m.exec(output)?.[1]);
  process.stdout.write(output.replace(/^TIME .*\n?/m, ""));
  console.log(`  buildReport(): ${inside.toFixed(1)} ms; whole process: ${total.toFixed(0)} ms`);
  timings.push(inside);
}

const [first, second] = timings;
step(
  `Second run served from the cache: ${(first / second).toFixed(0)}x faster (${first.toFixed(0)} ms -> ${second.toFixed(1)} ms)`,
);
if (!(second < first / 5)) {
  console.error("The second run was not served from the cache.");
  process.exit(1);
}
