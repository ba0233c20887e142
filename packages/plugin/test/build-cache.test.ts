// Transform results remembered across builds: reused only while every file
// they depend on is unchanged, in the project's cache folder.
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { bareTransform, BuildCache } from "../src/build-cache.js";
import { BUILD_CACHE_DIR, ModuleTransformer } from "../src/module-transformer.js";
import { hashesIn, TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const HELPER = `export function round(n: number) {\n  return Math.round(n * 100) / 100;\n}\n`;
const CACHED = `import { round } from "./math";\nimport { label } from "pkg";\nexport async function total(n: number) {\n  "use cache";\n  return label(round(n));\n}\n`;

function createProject(): TempProject {
  return new TempProject()
    .write("src/math.ts", HELPER)
    .write("src/load.ts", CACHED)
    .write("src/main.ts", `export { total } from "./load";\n`)
    .write("node_modules/pkg/package.json", JSON.stringify({ name: "pkg", version: "1.0.0", main: "index.js" }))
    .write("node_modules/pkg/index.js", "exports.label = (n) => `n=${n}`;\n");
}

/** The transform results in a cache folder (not its side files). */
function entriesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
}

function transformerFor(root: string): ModuleTransformer {
  return new ModuleTransformer({
    root,
    runtimeModule: "@cachephant/runtime",
    dir: undefined,
    maxSize: undefined,
    cacheDir: join(root, BUILD_CACHE_DIR),
  });
}

describe("the build cache", () => {
  test("a result that counted exported data by its code is not reused once another module starts mutating that data", async () => {
    project = new TempProject()
      .write("src/h.ts", `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }\n`)
      .write(
        "src/load.ts",
        `import { read } from "./h";\nexport async function f(x: number) {\n  "use cache";\n  return read(x);\n}\n`,
      )
      .write("src/main.ts", `export { f } from "./load";\n`);
    // Nobody mutates `shared`: its code is in the hash, nothing is read per call.
    expect(await project.esbuild()).not.toMatch(/state: \[/);
    expect(await project.esbuild()).not.toMatch(/state: \[/);
    // A module that names it and mutates it, in a file the cached entry never depended on.
    project.write("src/admin.ts", `import { shared } from "./h";\nexport function bump() { shared.n++; }\n`);
    expect(await project.esbuild()).toContain('state: [["src/h.ts", "shared"]]');
    // The change is remembered for later processes too.
    expect(await project.esbuild()).toContain('state: [["src/h.ts", "shared"]]');
  });

  test("an output that says `stateAhead` is reused only where each of its state modules is registered ahead", async () => {
    const LOAD = `import { read } from "./h";\nexport async function f(x: number) {\n  "use cache";\n  return read(x);\n}\n`;
    project = new TempProject()
      .write(
        "src/h.ts",
        `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport function read(x: number) { return mode + x; }\n`,
      )
      .write("src/load.ts", LOAD)
      .write("src/main.ts", `export { f } from "./load";\n`);
    // A bundler's build: the plan finds h.ts before any module loads.
    expect(await project.esbuild()).toContain('state: [["src/h.ts", "mode"]], stateAhead: true');
    const file = project.path("src/load.ts");
    const planned = transformerFor(project.root);
    planned.registeredAhead.add(project.path("src/h.ts"));
    expect((await planned.transform(LOAD, file, undefined))!.code).toContain("stateAhead: true");
    // The register hook (nothing registered ahead), in a later process: not that entry.
    const hook = transformerFor(project.root);
    const unplanned = await hook.transform(LOAD, file, undefined);
    expect(unplanned!.code).toContain('state: [["src/h.ts", "mode"]]');
    expect(unplanned!.code).not.toContain("stateAhead");
    // A plan that has other modules ahead, but not h.ts: not reused either.
    const other = transformerFor(project.root);
    other.registeredAhead.add(project.path("src/other.ts"));
    expect((await other.transform(LOAD, file, undefined))!.code).not.toContain("stateAhead");
  });

  test("a side file (the remembered plan, the scan) is read back only under the salt it was written with", () => {
    project = createProject();
    const dir = project.path(BUILD_CACHE_DIR);
    new BuildCache(dir, "core 1").writeExtra("plan-x", { stateFiles: ["a.ts"] });
    expect(new BuildCache(dir, "core 1").readExtra("plan-x")).toEqual({ stateFiles: ["a.ts"] });
    // Another version of the core may plan differently: its side files start over.
    expect(new BuildCache(dir, "core 2").readExtra("plan-x")).toBeUndefined();
  });

  test("a rebuild with nothing changed parses nothing and returns the same code", async () => {
    project = createProject();
    const file = project.path("src/load.ts");
    const first = transformerFor(project.root);
    const fresh = await first.transform(CACHED, file, undefined);
    expect(first.stats.parses).toBeGreaterThan(0);

    const second = transformerFor(project.root); // a new build process
    const again = await second.transform(CACHED, file, undefined);
    expect(second.stats).toMatchObject({ parses: 0, reads: 0, cacheHits: 1, transforms: 0 });
    expect(again?.code).toBe(fresh?.code);
    expect(again?.dependencies).toEqual([project.path("src/math.ts")]);
  });

  test("a module that only mentions the directive is remembered as having nothing to rewrite, and is transformed again once it has one", async () => {
    project = createProject();
    const file = project.path("src/docs.ts");
    const mention = `// Put "use cache" first in an async function's body.\nexport const help = 'see "use cache"';\n`;
    const first = transformerFor(project.root);
    expect(await first.transform(mention, file, undefined)).toBeNull();
    expect(first.stats.transforms).toBe(1);

    const second = transformerFor(project.root); // a new build process
    expect(await second.transform(mention, file, undefined)).toBeNull();
    expect(second.stats).toMatchObject({ cacheHits: 1, transforms: 0 });

    // The key covers the code: the same file with a directive is a new transform.
    const third = transformerFor(project.root);
    expect((await third.transform(CACHED, file, undefined))?.code).toContain("runCached");
    expect(third.stats).toMatchObject({ cacheHits: 0, transforms: 1 });
  });

  test("a helper touched without a change (a checkout, a save) is compared by content and still reused", async () => {
    project = createProject();
    const file = project.path("src/load.ts");
    await transformerFor(project.root).transform(CACHED, file, undefined);
    const later = new Date(Date.now() + 60_000);
    utimesSync(project.path("src/math.ts"), later, later);
    const next = transformerFor(project.root);
    await next.transform(CACHED, file, undefined);
    expect(next.stats).toMatchObject({ cacheHits: 1, parses: 0 });
  });

  test("an edited helper is seen by the next build", async () => {
    project = createProject();
    const before = hashesIn(await project.esbuild());
    project.write("src/math.ts", HELPER.replace("100", "1000"));
    const after = hashesIn(await project.esbuild());
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    // And an edit back finds the first result again.
    project.write("src/math.ts", HELPER);
    expect(hashesIn(await project.esbuild())).toEqual(before);
  });

  test("a package upgrade is seen by the next build", async () => {
    project = createProject();
    const before = hashesIn(await project.esbuild());
    project.write("node_modules/pkg/package.json", JSON.stringify({ name: "pkg", version: "1.1.0", main: "index.js" }));
    const after = hashesIn(await project.esbuild());
    expect(after[0]).not.toBe(before[0]);
  });

  test("a package upgrade is seen by the next build when the cached function loads it with import()", async () => {
    project = createProject().write(
      "src/load.ts",
      `export async function total(n: number) {\n  "use cache";\n  const { label } = await import("pkg");\n  return label(n);\n}\n`,
    );
    const before = hashesIn(await project.esbuild());
    project.write("node_modules/pkg/package.json", JSON.stringify({ name: "pkg", version: "1.1.0", main: "index.js" }));
    const after = hashesIn(await project.esbuild());
    expect(after[0]).not.toBe(before[0]);
  });

  test("a corrupt cache file is ignored and rewritten", async () => {
    project = createProject();
    const expected = await project.esbuild();
    const dir = project.path(BUILD_CACHE_DIR);
    const entries = entriesIn(dir);
    expect(entries).toHaveLength(1);
    writeFileSync(join(dir, entries[0]!), '{"code": "export const broken = tru');
    expect(await project.esbuild()).toBe(expected);
    // Rewritten in place (same key): the next build reads it back.
    expect(entriesIn(dir)).toEqual(entries);
    expect(JSON.parse(readFileSync(join(dir, entries[0]!), "utf8"))).toMatchObject({
      code: expect.stringContaining("total"),
    });
  });

  test("an entry of another shape is a miss, not a crash", async () => {
    project = createProject();
    const expected = await project.esbuild();
    const dir = project.path(BUILD_CACHE_DIR);
    writeFileSync(join(dir, entriesIn(dir)[0]!), JSON.stringify({ code: 1, checks: "none" }));
    expect(await project.esbuild()).toBe(expected);
  });
});

describe("BuildCache.evict", () => {
  test("keeps the most recently used entries", () => {
    project = new TempProject();
    const cache = new BuildCache(project.path("cache"), "salt");
    const keys = ["a", "b", "c", "d"].map((name) => cache.key(name, name));
    keys.forEach((key, index) => {
      cache.set(key, bareTransform(`${index}`));
      const at = new Date(Date.now() - (10 - index) * 60_000);
      utimesSync(join(cache.dir, `${key}.json`), at, at);
    });
    expect(cache.get(keys[0]!, () => true)?.code).toBe("0"); // used now: the newest
    cache.evict(2);
    expect(readdirSync(cache.dir).sort()).toEqual([`${keys[0]}.json`, `${keys[3]}.json`].sort());
  });
});
