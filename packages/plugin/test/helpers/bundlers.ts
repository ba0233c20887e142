import { rspack } from "@rspack/core";
import webpack from "webpack";
import cachephantRspack from "../../src/rspack.js";
import cachephantWebpack from "../../src/webpack.js";
import { TempProject } from "./project.js";

/** webpack and Rspack share one configuration shape; tests run each case through both. */
export const WEBPACK_LIKE = [
  {
    bundler: "webpack",
    compile: (config: object) => webpack(config as webpack.Configuration),
    plugin: cachephantWebpack,
  },
  {
    bundler: "rspack",
    compile: (config: object) => rspack(config as Parameters<typeof rspack>[0]),
    plugin: cachephantRspack,
  },
] as const;

/**
 * A cached `report` that reads `shared` from `h.js` through a helper, and an
 * `admin.js` that reads it too: the watch tests make admin start mutating it.
 */
export function sharedDataProject(): TempProject {
  return new TempProject()
    .write("src/h.js", "export const shared = { n: 1 };\nexport function read(x) { return x + shared.n; }\n")
    .write(
      "src/lib.js",
      `import { read } from "./h.js";\nexport async function report(x) {\n  "use cache";\n  return read(x);\n}\n`,
    )
    .write("src/admin.js", `import { shared } from "./h.js";\nexport const peek = () => shared.n + 1;\n`)
    .write("src/main.js", `export { report } from "./lib.js";\nexport { peek } from "./admin.js";\n`);
}
