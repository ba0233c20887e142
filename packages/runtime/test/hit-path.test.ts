// What a fresh process loads to serve a hit: the built runtime's entry and
// its one call chunk, and no Node built-in a hit does not need. The miss
// path, the store api, the remote tier, the inputs' hooks and check mode
// load on first need (docs/store.md, "A hit"); this fails if one of them
// comes back onto the hit's path.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { builtFile } from "./built.js";

const dir = mkdtempSync(join(tmpdir(), "cachephant-hit-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, "store");

/** A program calling a cached function as built code does; `compute` is its body. */
function program(compute: string, withRuntime = true): string {
  return `
    const before = new Set(process.moduleLoadList);
    let value = "no runtime";
    if (${withRuntime}) {
      const { runCached } = await import(${JSON.stringify(builtFile("index.js"))});
      const meta = { hash: "h", name: "load", file: "src/load.ts", line: 1, paths: ["args[0]"], dir: ${JSON.stringify(store)} };
      value = await runCached(meta, [1], async () => { ${compute} });
    }
    const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith("NativeModule "));
    console.log(JSON.stringify({ value, builtins: builtins.map((m) => m.slice("NativeModule ".length)) }));
  `;
}

/** Runs a program in a fresh process; with `recordFiles`, a module hook notes every file of ours it loads. */
function run(script: string, recordFiles = false): { value: unknown; builtins: string[]; files: string[] } {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, "");
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
     export async function load(url, context, next) {
       if (url.startsWith("file:")) appendFileSync(${JSON.stringify(log)}, url + "\\n");
       return next(url, context);
     }`,
  );
  const register = `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  const args = recordFiles ? ["--import", `data:text/javascript,${encodeURIComponent(register)}`] : [];
  const result = spawnSync(process.execPath, [...args, "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, CACHEPHANT: "", CACHEPHANT_DIR: "", CACHEPHANT_DEBUG: "", CACHEPHANT_CHECK: "" },
  });
  expect(result.stderr).toBe("");
  const files = readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.includes("/dist/"))
    .map((url) => basename(new URL(url).pathname));
  return { ...JSON.parse(result.stdout), files };
}

describe("a fresh process serving a hit", () => {
  test("the first run computes and loads the miss path's chunks (what the hit below must not load)", () => {
    const { value, files } = run(program(`return { rows: [1, 2, 3] };`), true);
    expect(value).toEqual({ rows: [1, 2, 3] });
    expect(files.some((file) => file.startsWith("miss-"))).toBe(true);
    expect(files.some((file) => file.startsWith("store-writes-"))).toBe(true);
  });

  test("a hit loads two files of the runtime: its entry and the call chunk", () => {
    const { value, files } = run(program(`throw new Error("a hit must not compute");`), true);
    expect(value).toEqual({ rows: [1, 2, 3] });
    expect(files.sort()).toEqual(["index.js", expect.stringMatching(/^call-[\w-]+\.js$/)].sort());
  });

  test("a hit loads no Node built-in beyond crypto, v8 and what they need: no zlib, worker_threads, fs/promises, async_hooks, os, perf_hooks", () => {
    const bare = run(program("", false)).builtins;
    const { value, builtins } = run(program(`throw new Error("a hit must not compute");`));
    expect(value).toEqual({ rows: [1, 2, 3] });
    const added = builtins.filter((name) => !bare.includes(name));
    // Keys are sha256 and results v8-serialized: those two load, with the modules they bring.
    expect(added).toContain("crypto");
    expect(added).toContain("v8");
    for (const name of [
      "zlib",
      "worker_threads",
      "fs/promises",
      "async_hooks",
      "os",
      "module",
      "perf_hooks",
      "readline",
      "net",
    ]) {
      expect(added, name).not.toContain(name);
    }
  });
});
