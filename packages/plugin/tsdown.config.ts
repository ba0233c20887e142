import { defineConfig } from "tsdown";

export default defineConfig({
  entry: [
    "src/index.ts",
    "src/vite.ts",
    "src/esbuild.ts",
    "src/rollup.ts",
    "src/rolldown.ts",
    "src/webpack.ts",
    "src/rspack.ts",
    "src/register.ts",
    "src/register-hooks.ts",
    "src/bun.ts",
  ],
  format: "esm",
  platform: "node",
  target: "node20.19",
  dts: true,
  clean: true,
  // "type": "module" packages: plain .js and .d.ts, as the exports maps name them.
  fixedExtension: false,
  // Build timings are not a finding: the build of a package this size is quick.
  checks: { pluginTimings: false },
});
