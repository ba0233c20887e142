// What identifies the code that makes a build cache entry: a change of it keys every entry anew.
import { afterEach, describe, expect, test } from "vitest";
import { toolVersions, toolVersionsOf } from "../src/tool-versions.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

/** A stand-in for an installed core: its manifest, sources in folders, its parser. */
function fakeCore(): TempProject {
  return new TempProject()
    .write("core/package.json", JSON.stringify({ name: "@cachephant/core", version: "0.1.0" }))
    .write("core/src/index.ts", "export {};\n")
    .write("core/src/key/hash.ts", "export const h = 1;\n")
    .write("core/src/notes.md", "not code\n")
    .write("node_modules/@babel/parser/package.json", JSON.stringify({ name: "@babel/parser", version: "7.29.0" }));
}

describe("toolVersionsOf", () => {
  test("changes with a source file in a subfolder, the manifest or the parser's version; not with a non-code file", () => {
    project = fakeCore();
    const manifest = project.path("core/package.json");
    const before = toolVersionsOf(manifest);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(toolVersionsOf(manifest)).toBe(before);
    project.write("core/src/notes.md", "still not code\n");
    expect(toolVersionsOf(manifest)).toBe(before);
    project.write("core/src/key/hash.ts", "export const h = 2;\n");
    const edited = toolVersionsOf(manifest);
    expect(edited).not.toBe(before);
    project.write(
      "node_modules/@babel/parser/package.json",
      JSON.stringify({ name: "@babel/parser", version: "7.30.0" }),
    );
    expect(toolVersionsOf(manifest)).not.toBe(edited);
  });

  test("the plugin's own core gives one value per process", () => {
    expect(toolVersions()).toMatch(/^[0-9a-f]{64}$/);
    expect(toolVersions()).toBe(toolVersions());
  });
});
