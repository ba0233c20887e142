import { defineConfig } from "tsdown";
import { packageBuild } from "../../tsdown.base.ts";

export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/scan.ts", "src/units.ts", "src/standalone.ts", "src/globals.ts"],
});
