import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/scan.ts", "src/units.ts", "src/standalone.ts", "src/globals.ts"],
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
