import { build } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";

await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "out/main.mjs",
  plugins: [cachephant({ dir: ".cache/cachephant", maxSize: "2GB" })],
  logLevel: "warning",
});
