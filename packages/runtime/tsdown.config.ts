import { defineConfig } from "tsdown";
import { packageBuild } from "../../tsdown.base.ts";

export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/units.ts", "src/project.ts", "src/cli.ts"],
  // The core's small modules the store path needs (units, globals, the error kinds of scan) are inlined:
  // the runtime does not depend on the core (its Babel normalizer is an optional peer, imported by cached()).
  deps: {
    alwaysBundle: [/^@cachephant\/core\/(units|globals|scan)$/],
    onlyBundle: [/^@cachephant\/core\/(units|globals|scan)$/],
  },
});
