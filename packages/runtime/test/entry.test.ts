import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as runtime from "../src/index.js";
import { builtFile } from "./built.js";

const src = fileURLToPath(new URL("../src/", import.meta.url));

describe("the public entry", () => {
  test("exports the api, the call entry and the error classes", () => {
    expect(Object.keys(runtime).sort()).toEqual([
      "CachedFunctionError",
      "ConfigError",
      "MissingPackageError",
      "MissingStateError",
      "StoreBusyError",
      "UnkeyableValueError",
      "UnreadableScopeError",
      "UnstorableResultError",
      "cached",
      "clear",
      "configure",
      "list",
      "prune",
      "refresh",
      "registerClasses",
      "registerState",
      "runCached",
      "stats",
      "verify",
    ]);
  });

  test("error classes carry stable codes", () => {
    expect(new runtime.UnkeyableValueError("args[0]", "a function").code).toBe("CACHEPHANT_UNKEYABLE");
    expect(new runtime.UnstorableResultError("result", "a function").code).toBe("CACHEPHANT_UNSTORABLE");
    expect(new runtime.ConfigError("x").code).toBe("CACHEPHANT_BAD_CONFIG");
    expect(new runtime.StoreBusyError("x").code).toBe("CACHEPHANT_STORE_BUSY");
    expect(new runtime.CachedFunctionError("CACHEPHANT_NO_SOURCE", "why", "fix").code).toBe("CACHEPHANT_NO_SOURCE");
    expect(new runtime.MissingStateError("src/h.ts", "mode").code).toBe("CACHEPHANT_MISSING_STATE");
  });

  test("only cacache.ts loads cacache, and only with a dynamic import", () => {
    // Subfolders too (src/remote/).
    for (const name of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"))) {
      const code = readFileSync(join(src, name), "utf8");
      const staticImports = code.match(/^import (?!type ).*from "cacache";$/gm) ?? [];
      expect(staticImports, name).toEqual([]);
      if (name !== "cacache.ts") expect(code.includes('import("cacache")'), name).toBe(false);
    }
  });

  test("importing the built entry, writing and serving hits load no cacache: the store reads and writes its layout itself", () => {
    const builtIndex = builtFile("index.js");
    const dir = mkdtempSync(join(tmpdir(), "cachephant-entry-"));
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((path) => path.includes("/cacache/"));
      const runtime = await import(${JSON.stringify(builtIndex)});
      const meta = { hash: "h", name: "f", file: "f.ts", line: 1, paths: ["args[0]"], dir: ${JSON.stringify(dir)} };
      const before = loaded();
      // Read outside the call (argv read inside it would be a run-time input): a hit shows the first run's.
      const name = process.argv[1];
      const value = await runtime.runCached(meta, [1], async () => ({ computed: name }));
      await runtime.list({ dir: ${JSON.stringify(dir)} });
      console.log(JSON.stringify({ before, after: loaded(), value }));
    `;
    const run = (name: string) =>
      spawnSync(process.execPath, ["--input-type=module", "-e", script, name], {
        encoding: "utf8",
        env: { ...process.env, CACHEPHANT_DIR: "", CACHEPHANT_MAX_SIZE: "" },
      });
    const first = run("first");
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toEqual({ before: false, after: false, value: { computed: "first" } });
    const second = run("second");
    expect(second.stderr).toBe("");
    expect(JSON.parse(second.stdout)).toEqual({ before: false, after: false, value: { computed: "first" } });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test("importing the built entry does not load the normalizer (Babel); the first call of a cached() function does", () => {
    const builtIndex = builtFile("index.js");
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((path) => path.includes("/@babel/parser/"));
      const runtime = await import(${JSON.stringify(builtIndex)});
      const square = runtime.cached(async function square(x) { return x * x; });
      const before = loaded();
      const result = await square(3);
      console.log(JSON.stringify({ before, result, after: loaded() }));
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, CACHEPHANT: "off" },
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ before: false, result: 9, after: true });
  });
});
