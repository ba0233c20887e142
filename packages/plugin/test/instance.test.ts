// What one plugin instance holds, whichever bundler runs it.
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createInstance } from "../src/instance.js";
import { BUILD_CACHE_DIR } from "../src/module-transformer.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

describe("createInstance", () => {
  test("resolves the options, and keeps its build cache under the project root", () => {
    project = new TempProject();
    const { options, transformer } = createInstance({ root: project.root, dir: ".cache/app" }, "vite");
    expect(options).toMatchObject({ root: project.root, dir: ".cache/app" });
    transformer.writeExtra("probe", 1);
    expect(project.read(join(BUILD_CACHE_DIR, "probe.extra.json"))).toContain('"value":1');
  });

  test("records each tool's settings at the nearest package root; a second tool with another dir is told they disagree", () => {
    project = new TempProject().write("app/src/a.ts", "");
    expect(
      createInstance({ root: project.path("app/src"), dir: ".cache/a" }, "vite").record().disagreement,
    ).toBeUndefined();
    const other = createInstance({ root: project.path("app/src"), dir: ".cache/b" }, "esbuild").record();
    expect(other.recorded).toBe(true);
    expect(other.disagreement).toMatch(/vite.*esbuild|esbuild.*vite/s);
  });
});
