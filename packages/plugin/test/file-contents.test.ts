import { utimesSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { FileContents } from "../src/file-contents.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

describe("FileContents", () => {
  test("reads a file once until it is forgotten: a change in between is seen only after forget", () => {
    project = new TempProject().write("src/a.ts", "export const a = 1;\n");
    const files = new FileContents();
    const file = project.path("src/a.ts");
    const first = files.get(file);
    expect(first.bytes?.toString()).toBe("export const a = 1;\n");
    expect(first.hash).toMatch(/^[0-9a-f]{24}$/);
    project.write("src/a.ts", "export const a = 2;\n");
    expect(files.get(file)).toBe(first);
    files.forget(file);
    expect(files.get(file).bytes?.toString()).toBe("export const a = 2;\n");
    expect(files.get(file).hash).not.toBe(first.hash);
  });

  test("a missing file is recorded as absent: no bytes, no hash, no signature", () => {
    project = new TempProject();
    const content = new FileContents().get(project.path("src/gone.ts"));
    expect(content).toMatchObject({ bytes: null, hash: null, signature: null });
    expect(content.packages().size).toBe(0);
  });

  test("a read error other than absence is thrown, not taken for a deleted file", () => {
    project = new TempProject().write("src/dir/a.ts", "");
    expect(() => new FileContents().get(project.path("src/dir"))).toThrow(expect.objectContaining({ code: "EISDIR" }));
  });

  test("a check holds while time and size match, or else while the content hashes the same", () => {
    project = new TempProject().write("src/a.ts", "export const a = 1;\n");
    const file = project.path("src/a.ts");
    const [check] = new FileContents().checksFor(project.path("src/main.ts"), "", [file]);
    expect(check).toEqual([file, expect.stringMatching(/^[0-9a-f]{24}$/), expect.any(String)]);
    // Touched, same bytes: a new time, the same hash.
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(new FileContents().holds(check!)).toBe(true);
    project.write("src/a.ts", "export const a = 2;\n");
    expect(new FileContents().holds(check!)).toBe(false);
  });

  test("a module's checks list its dependencies and the package.json of each package they or it import", () => {
    project = new TempProject()
      .write("src/h.ts", `import x from "dep-of-helper";\nexport const h = x;\n`)
      .write("node_modules/dep-of-helper/package.json", "{}")
      .write("node_modules/direct/package.json", "{}");
    const checks = new FileContents().checksFor(
      project.path("src/main.ts"),
      `import d from "direct";\nimport { h } from "./h";\n`,
      [project.path("src/h.ts")],
    );
    expect(checks.map(([file]) => file).sort()).toEqual(
      [
        project.path("node_modules/dep-of-helper/package.json"),
        project.path("node_modules/direct/package.json"),
        project.path("src/h.ts"),
      ].sort(),
    );
  });

  test("signatures a scan took are used instead of a stat, until forgotten", () => {
    project = new TempProject().write("src/a.ts", "1");
    const files = new FileContents();
    const file = project.path("src/a.ts");
    files.knowSignatures(new Map([[file, "from-the-scan"]]));
    expect(files.signature(file)).toBe("from-the-scan");
    files.forget();
    expect(files.signature(file)).toMatch(/^[\d.]+:1$/);
    expect(files.filesRead()).toEqual([]);
    files.get(file);
    expect(files.filesRead()).toEqual([[file, expect.stringMatching(/:1$/)]]);
  });
});
