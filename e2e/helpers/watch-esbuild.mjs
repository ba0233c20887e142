// Run in a project folder: builds with an esbuild context, changes a file,
// rebuilds incrementally, and prints the code hash of each build's cached
// functions as JSON lines: what a watch build would run.
import { readFileSync, writeFileSync } from "node:fs";
import { context } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";

const [file, from, to] = process.argv.slice(2);
const hashes = () => [...readFileSync("dist/main.mjs", "utf8").matchAll(/hash:\s*"(\w+)",\s*name:\s*"(\w+)"/g)].map((m) => `${m[2]}:${m[1]}`);

const ctx = await context({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: "dist/main.mjs",
  plugins: [cachephant()],
  logLevel: "silent",
});
await ctx.rebuild();
console.log(JSON.stringify(hashes()));
writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
await ctx.rebuild();
console.log(JSON.stringify(hashes()));
await ctx.dispose();
