import { defineConfig } from "tsdown";
import { packageBuild } from "../../tsdown.base.ts";

export default defineConfig({
  ...packageBuild,
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
});
