import { afterEach, describe, expect, test } from "vitest";
import { importedPackages, PackageManifests } from "../src/package-imports.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

describe("importedPackages", () => {
  test("names the packages of bare imports, re-exports, dynamic imports and requires, scoped ones by scope and name", () => {
    const code = [
      `import a from "lodash/fp";`,
      `const lazy = await import ( "lazy-pkg/sub");`,
      `const rel = await import("./lazy-relative.js");`,
      `export { b } from '@scope/pkg/sub';`,
      `const c = require("left-pad");`,
      `import "./relative.js";`,
      `import e from "../up";`,
      `import { readFileSync } from "node:fs";`,
      `import f from "/absolute/path.js";`,
    ].join("\n");
    expect([...importedPackages(code)].sort()).toEqual(["@scope/pkg", "lazy-pkg", "left-pad", "lodash"]);
  });

  test("text with no import names no package", () => {
    expect(importedPackages("const from = 'x'; // import nothing").size).toBe(0);
  });
});

describe("PackageManifests", () => {
  test("finds the nearest node_modules/<name>/package.json at or above a folder, as Node does", () => {
    project = new TempProject()
      .write("node_modules/pkg/package.json", "{}")
      .write("packages/app/node_modules/pkg/package.json", "{}")
      .write("packages/app/src/deep/a.ts", "");
    const manifests = new PackageManifests();
    expect(manifests.find(project.path("packages/app/src/deep"), "pkg")).toBe(
      project.path("packages/app/node_modules/pkg/package.json"),
    );
    expect(manifests.find(project.path("packages/other"), "pkg")).toBe(project.path("node_modules/pkg/package.json"));
    expect(manifests.find(project.path("packages/app/src"), "missing-package")).toBeNull();
  });

  test("remembers each answer until cleared: an install after the first lookup is seen only then", () => {
    project = new TempProject().write("src/a.ts", "");
    const manifests = new PackageManifests();
    expect(manifests.find(project.path("src"), "late")).toBeNull();
    project.write("node_modules/late/package.json", "{}");
    expect(manifests.find(project.path("src"), "late")).toBeNull();
    manifests.clear();
    expect(manifests.find(project.path("src"), "late")).toBe(project.path("node_modules/late/package.json"));
  });
});
