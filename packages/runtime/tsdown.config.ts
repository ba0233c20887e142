import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/units.ts", "src/project.ts", "src/cli.ts"],
  format: "esm",
  platform: "node",
  target: "node20.19",
  dts: true,
  clean: true,
  // "type": "module" packages: plain .js and .d.ts, as the exports maps name them.
  fixedExtension: false,
  // The core's small modules the store path needs (units, globals, the error kinds of scan) are inlined: the runtime does not depend on the core
  // (its Babel normalizer is an optional peer, imported by cached() when used).
  deps: { alwaysBundle: [/^@cachephant\/core\/(units|globals|scan)$/], onlyBundle: [/^@cachephant\/core\/(units|globals|scan)$/] },
  // Build timings are not a finding: the build of a package this size is quick.
  checks: { pluginTimings: false },
});
