// The plugin on esbuild's own API: only files with a directive go through
// JavaScript, the runtime import stays external, errors come once with
// their code, and watch-mode rebuilds follow edits.
import { rmSync } from "node:fs";
import { context } from "esbuild";
import { afterEach, describe, expect, test } from "vitest";
import { CachephantBuildError } from "@cachephant/core";
import cachephant from "../src/esbuild.js";
import { unplugin } from "../src/index.js";
import { hashesIn, TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const CACHED = `import { double } from "./helper";\nexport async function load(n: number) {\n  "use cache";\n  return double(n);\n}\n`;

/** One cached function that calls a helper of its own project. */
function cachedProject(): TempProject {
  return new TempProject()
    .write("src/helper.ts", "export const double = (n: number) => n * 2;\n")
    .write("src/load.ts", CACHED)
    .write("src/main.ts", `export { load } from "./load";\n`);
}

describe("esbuild", () => {
  test("rewrites the modules with a directive and keeps the runtime external", async () => {
    project = cachedProject();
    const output = await project.esbuild();
    expect(output).toMatch(/from "@cachephant\/runtime"/);
    expect(hashesIn(output)).toHaveLength(1);
  });

  test("the unplugin instance's `.esbuild()` is the same plugin as `@cachephant/plugin/esbuild`: the same output", async () => {
    project = cachedProject();
    const direct = await project.esbuild();
    const throughUnplugin = await project.esbuild("src/main.ts", {
      plugins: [unplugin.esbuild({ root: project.root })],
    });
    expect(hashesIn(throughUnplugin)).toHaveLength(1);
    expect(throughUnplugin).toBe(direct);
  });

  test("a helper reached through esbuild's `alias` is in the hash: an edit of it changes the hash, also on a fresh build", async () => {
    project = new TempProject()
      .write("src/lib/math.ts", "export const triple = (n: number) => n * 3;\n")
      .write(
        "src/load.ts",
        `import { triple } from "@lib/math";\nexport async function load(n: number) {\n  "use cache";\n  return triple(n);\n}\n`,
      )
      .write("src/main.ts", `export { load } from "./load";\n`);
    const bundle = async () => hashesIn(await project.esbuild("src/main.ts", { alias: { "@lib": "./src/lib" } }))[0]!;
    const fresh = await bundle();
    expect(await bundle()).toBe(fresh);
    project.write("src/lib/math.ts", "export const triple = (n: number) => n * 3 + 1;\n");
    const edited = await bundle();
    expect(edited).not.toBe(fresh);
    // From nothing remembered (a new checkout): the build plans again and must not keep the plan's blind resolution.
    rmSync(project.path("node_modules/.cache"), { recursive: true, force: true });
    expect(await bundle()).toBe(edited);
    project.write("src/lib/math.ts", "export const triple = (n: number) => n * 3;\n");
    rmSync(project.path("node_modules/.cache"), { recursive: true, force: true });
    expect(await bundle()).toBe(fresh);
  });

  test("a misused directive fails once, with file:line:column, the code frame, the fix and its code", async () => {
    project = new TempProject()
      .write("src/lib.ts", `export function sync(n: number) {\n  "use cache";\n  return n;\n}\n`)
      .write("src/main.ts", `export * from "./lib";\n`);
    const failure = await project.esbuildFailure();
    expect(failure.errors).toHaveLength(1);
    const [error] = failure.errors;
    expect((error!.detail as CachephantBuildError).code).toBe("CACHEPHANT_NOT_ASYNC");
    expect(error!.text).toMatch(/lib\.ts:1:8: .*async.*\[CACHEPHANT_NOT_ASYNC\]$/);
    expect(error!.text).not.toContain("\n"); // the frame is in the notes, not repeated in the failure's message
    const notes = error!.notes.map((note) => note.text).join("\n");
    expect(notes).toMatch(/^> 1 \| export function sync/m);
    expect(notes).toMatch(/^Fix: /m);
    expect(notes).not.toMatch(/onLoad callback registered here|at \w+ \(/);
  });

  test("watch mode: an edited helper changes the hash; a file that gains a directive is named in a warning", async () => {
    project = new TempProject()
      .write("src/helper.ts", "export const double = (n: number) => n * 2;\n")
      .write("src/load.ts", CACHED)
      .write("src/other.ts", "export async function later(n: number) {\n  return n;\n}\n")
      .write("src/main.ts", `export { load } from "./load";\nexport { later } from "./other";\n`);
    const ctx = await context({
      absWorkingDir: project.root,
      entryPoints: ["src/main.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      outfile: "out/main.mjs",
      plugins: [cachephant({ root: project.root })],
      logLevel: "silent",
    });
    try {
      const first = await ctx.rebuild();
      const before = hashesIn(first.outputFiles[0]!.text);
      project.write("src/helper.ts", "export const double = (n: number) => n * 3;\n");
      // Another size, so the change is seen even within the file system's time resolution.
      project.write("src/other.ts", `export async function later(n: number) {\n  "use cache";\n  return n;\n}\n`);
      const second = await ctx.rebuild();
      const after = hashesIn(second.outputFiles[0]!.text);
      expect(before).toHaveLength(1);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);
      expect(second.warnings.map((warning) => warning.text).join("\n")).toMatch(
        /other\.ts has a "use cache" directive since/,
      );
    } finally {
      await ctx.dispose();
    }
  });
});

test("one plugin instance in two esbuild builds sees the edits made between them", async () => {
  project = new TempProject()
    .write("src/helper.ts", "export const double = (n: number) => n * 2;\n")
    .write("src/load.ts", CACHED)
    .write("src/main.ts", `export { load } from "./load";\n`);
  const plugin = cachephant({ root: project.root });
  const once = async () => hashesIn(await project.esbuild("src/main.ts", { plugins: [plugin] }));
  const before = await once();
  project.write("src/helper.ts", "export const double = (n: number) => n * 2 + 0;\n");
  const after = await once();
  expect(after[0]).not.toBe(before[0]);
});
