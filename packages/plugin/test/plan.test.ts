// The plan at build start: the modules holding state that cached functions
// read, found before any module loads, remembered while nothing it read changed.
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { BUILD_CACHE_DIR, ModuleTransformer } from "../src/module-transformer.js";
import { planStateFiles } from "../src/plan.js";
import { RewriteSet } from "../src/rewrite-set.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const codeFiles = (file: string) => /\.[cm]?[jt]sx?$/.test(file) && !file.includes("node_modules");

function createProject(): TempProject {
  return new TempProject()
    .write(
      "src/h.ts",
      `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport function read(x: number) { return mode + x; }\n`,
    )
    .write(
      "src/load.ts",
      `import { read } from "./h";\nexport async function f(x: number) {\n  "use cache";\n  return read(x);\n}\n`,
    )
    .write("src/main.ts", `export { f } from "./load";\n`);
}

/** A new build process: a new transformer over the same build cache, a fresh scan. */
async function plan(include = codeFiles, ahead = true) {
  const transformer = new ModuleTransformer({
    root: project.root,
    runtimeModule: "@cachephant/runtime",
    dir: undefined,
    maxSize: undefined,
    cacheDir: join(project.root, BUILD_CACHE_DIR),
  });
  const rewrites = new RewriteSet(project.root, include);
  rewrites.scan();
  const planned = await planStateFiles(transformer, rewrites, project.root, include, undefined, ahead);
  return { planned, transformer, rewrites };
}

describe("planStateFiles", () => {
  test("finds the module whose changing binding a cached function reads, registers it ahead and adds it to the rewrites", async () => {
    project = createProject();
    const { planned, transformer, rewrites } = await plan();
    const state = project.path("src/h.ts");
    expect(planned).toBe(true);
    expect([...transformer.stateFiles]).toEqual([state]);
    expect([...transformer.registeredAhead]).toEqual([state]);
    expect(rewrites.files()).toContain(state);
    expect(rewrites.files()).not.toContain(project.path("src/main.ts"));
  });

  test("a later build with nothing changed reuses the remembered plan; an edit of a file it read plans again", async () => {
    project = createProject();
    await plan();
    const again = await plan();
    expect(again.planned).toBe(false);
    expect([...again.transformer.stateFiles]).toEqual([project.path("src/h.ts")]);
    // h.ts no longer changes its binding: no state module any more.
    project.write("src/h.ts", `const mode = "a";\nexport function read(x: number) { return mode + x; }\n`);
    const edited = await plan();
    expect(edited.planned).toBe(true);
    expect([...edited.transformer.stateFiles]).toEqual([]);
  });

  test("a new directive file is a new plan, though no file the last one read changed", async () => {
    project = createProject();
    await plan();
    project.write("src/other.ts", `export async function g() {\n  "use cache";\n  return 1;\n}\n`);
    expect((await plan()).planned).toBe(true);
  });

  test("the plan's transforms are handed to the transformer: the bundler's transform of the same code analyses nothing again", async () => {
    project = createProject().write(
      "src/pure.ts",
      `export async function g(x: number) {\n  "use cache";\n  return x * 2;\n}\n`,
    );
    const { transformer } = await plan();
    const output = await transformer.transform(project.read("src/pure.ts"), project.path("src/pure.ts"), undefined);
    expect(output?.code).toContain("__cachephant_run");
    expect(transformer.stats.transforms).toBe(0);
    // A module the plan found reading state is transformed again (its output must say `stateAhead`).
    await transformer.transform(project.read("src/load.ts"), project.path("src/load.ts"), undefined);
    expect(transformer.stats.transforms).toBe(1);
  });

  test("without `ahead` (the register hook) and for files the include option leaves out, state files are not registered ahead", async () => {
    project = createProject();
    const hook = await plan(codeFiles, false);
    expect([...hook.transformer.stateFiles]).toEqual([project.path("src/h.ts")]);
    expect([...hook.transformer.registeredAhead]).toEqual([]);
    const excluded = await plan((file) => codeFiles(file) && !file.endsWith("h.ts"));
    expect([...excluded.transformer.stateFiles]).toEqual([project.path("src/h.ts")]);
    expect([...excluded.transformer.registeredAhead]).toEqual([]);
  });
});
