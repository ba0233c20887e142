import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/units.ts", "src/cli.ts"],
  format: "esm",
  platform: "node",
  target: "node20.19",
  dts: true,
  clean: true,
});
