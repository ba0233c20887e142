import type { UserConfig } from "tsdown";

/** How every package is built: ES modules for Node 20.19+, with declarations. */
export const packageBuild = {
  format: "esm",
  platform: "node",
  target: "node20.19",
  dts: true,
  clean: true,
  // "type": "module" packages: plain .js and .d.ts, as the exports maps name them.
  fixedExtension: false,
  // Build timings are not a finding: the build of a package this size is quick.
  checks: { pluginTimings: false },
} satisfies UserConfig;
