import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as runtime from "../src/index.js";

const src = fileURLToPath(new URL("../src/", import.meta.url));

describe("the public entry", () => {
  test("exports the api, the call entry and the error classes", () => {
    expect(Object.keys(runtime).sort()).toEqual([
      "ConfigError",
      "MissingStateError",
      "UnkeyableValueError",
      "UnreadableScopeError",
      "UnstorableResultError",
      "clear",
      "configure",
      "list",
      "prune",
      "registerState",
      "runCached",
      "verify",
    ]);
  });

  test("error classes carry stable codes", () => {
    expect(new runtime.UnkeyableValueError("args[0]", "a function").code).toBe("CACHEPHANT_UNKEYABLE");
    expect(new runtime.UnstorableResultError("result", "a function").code).toBe("CACHEPHANT_UNSTORABLE");
    expect(new runtime.ConfigError("x").code).toBe("CACHEPHANT_BAD_CONFIG");
    expect(new runtime.MissingStateError("src/h.ts", "mode").code).toBe("CACHEPHANT_MISSING_STATE");
  });

  test("only cacache.ts loads cacache, and only with a dynamic import", () => {
    for (const name of readdirSync(src)) {
      const code = readFileSync(join(src, name), "utf8");
      const staticImports = code.match(/^import (?!type ).*from "cacache";$/gm) ?? [];
      expect(staticImports, name).toEqual([]);
      if (name !== "cacache.ts") expect(code.includes('import("cacache")'), name).toBe(false);
    }
  });

  const distDir = fileURLToPath(new URL("../dist/", import.meta.url));
  const builtIndex = ["index.js", "index.mjs"].map((name) => join(distDir, name)).find((path) => existsSync(path));

  test.skipIf(builtIndex === undefined)("importing the built entry does not load cacache; the first store access does", () => {
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((path) => path.includes("/cacache/"));
      const runtime = await import(${JSON.stringify(builtIndex)});
      const before = loaded();
      await runtime.list({ dir: ${JSON.stringify(join(distDir, "..", "node_modules", ".no-such-cache"))} });
      console.log(JSON.stringify({ before, after: loaded() }));
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ before: false, after: true });
  });
});
