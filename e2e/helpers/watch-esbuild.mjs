// Run in a project folder: starts esbuild in watch mode with one helper file
// left out of the bundle (`external`), so only the plugin's `watchFiles` can
// tell esbuild that the cached function's hash depends on it. Changes that
// file and prints the code hashes of the cached functions after each build
// as JSON lines; gives up after a few seconds without a rebuild.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { context } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";

const [file, from, to, external] = process.argv.slice(2);
const hashes = () =>
  [...readFileSync("dist/main.mjs", "utf8").matchAll(/hash:\s*"(\w+)",\s*name:\s*"(\w+)"/g)].map(
    (m) => `${m[2]}:${m[1]}`,
  );

let builds = 0;
let rebuilt;
const secondBuild = new Promise((resolve) => (rebuilt = resolve));
const report = {
  name: "report",
  setup(build) {
    build.onEnd(() => {
      builds++;
      console.log(JSON.stringify(hashes()));
      if (builds === 2) rebuilt();
    });
  },
};

const ctx = await context({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: "dist/main.mjs",
  external: [resolve(external)],
  plugins: [cachephant(), report],
  logLevel: "silent",
});
await ctx.watch();
while (builds === 0) await new Promise((resolve) => setTimeout(resolve, 20));
writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
await Promise.race([secondBuild, new Promise((resolve) => setTimeout(resolve, 5000))]);
await ctx.dispose();
