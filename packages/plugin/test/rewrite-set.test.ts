// The set of files esbuild sends through the plugin: found by a scan for the
// directive, exact, and kept right across scans and processes.
import { afterEach, describe, expect, test } from "vitest";
import { createIdFilter } from "../src/id-filter.js";
import { RewriteSet } from "../src/rewrite-set.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const codeFiles = createIdFilter([/\.[cm]?[jt]sx?$/], [/[\\/]node_modules[\\/]/]);

function createProject(): TempProject {
  return new TempProject()
    .write("src/cached.ts", `export async function f() {\n  "use cache";\n  return 1;\n}\n`)
    .write("src/plain.ts", "export const x = 1;\n")
    .write("src/notes.md", "use cache\n")
    .write("node_modules/dep/index.js", `async function g() { "use cache"; }\n`)
    .write(".hidden/x.ts", `async function h() { "use cache"; }\n`);
}

describe("RewriteSet", () => {
  test("holds exactly the project's code files with the directive; the load filter matches only them", () => {
    project = createProject();
    const set = new RewriteSet(project.root, codeFiles);
    set.scan();
    expect(set.files()).toEqual([project.path("src/cached.ts")]);
    const filter = set.loadFilter();
    expect(filter.test(project.path("src/cached.ts"))).toBe(true);
    expect(filter.test(project.path("src/plain.ts"))).toBe(false);
    expect(filter.test(`${project.path("src/cached.ts")}x`)).toBe(false);
    expect(filter.test(project.path("src/cached.tsx").replace(".tsx", ".ts.bak"))).toBe(false);
  });

  test("a later scan reports only created, changed and deleted files, and follows the directive", () => {
    project = createProject();
    const set = new RewriteSet(project.root, codeFiles);
    set.scan();
    expect(set.scan()).toEqual([]);
    project.write("src/plain.ts", `export async function y() {\n  "use cache";\n  return 22;\n}\n`);
    project.write("src/new.ts", "export const z = 1;\n");
    expect(set.scan().sort()).toEqual([project.path("src/new.ts"), project.path("src/plain.ts")]);
    expect(set.files()).toEqual([project.path("src/cached.ts"), project.path("src/plain.ts")]);
  });

  test("a snapshot from an earlier process spares the reads of unchanged files", () => {
    project = createProject();
    const first = new RewriteSet(project.root, codeFiles);
    first.scan();
    const next = new RewriteSet(project.root, codeFiles);
    next.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(next.scan()).toEqual([]);
    expect(next.files()).toEqual(first.files());
    const broken = new RewriteSet(project.root, codeFiles);
    broken.restore({ not: "a snapshot" });
    expect(broken.scan()).toHaveLength(2);
  });

  test("the scan skips what a .gitignore lists (nested ones too, with negations) and the bundler's own output", () => {
    const directive = `export async function f() {\n  "use cache";\n  return 1;\n}\n`;
    project = createProject()
      .write(".gitignore", "dist/\n*.gen.ts\n")
      .write("dist/bundle.mjs", directive)
      .write("src/api.gen.ts", directive)
      .write("src/keep/.gitignore", "!keep.gen.ts\n")
      .write("src/keep/keep.gen.ts", directive)
      .write("out/main.mjs", directive)
      .write("out-other/main.mjs", directive);
    const set = new RewriteSet(project.root, codeFiles, [project.path("out"), project.root]);
    set.scan();
    // A build of the bare project left directives in dist/ and out/: not modules of the build.
    expect(set.files()).toEqual([
      project.path("out-other/main.mjs"),
      project.path("src/cached.ts"),
      project.path("src/keep/keep.gen.ts"),
    ]);
  });

  test("component files (Vue, Svelte, …) belong to the project but are never rewritten", () => {
    project = createProject().write(
      "src/App.vue",
      `<script setup lang="ts">\nimport { shared } from "./h";\nshared.n = 2;\n</script>\n<template><p>use cache</p></template>\n`,
    );
    const set = new RewriteSet(project.root, codeFiles);
    set.scan();
    expect(set.signatures().has(project.path("src/App.vue"))).toBe(true);
    expect(set.files()).toEqual([project.path("src/cached.ts")]);
  });

  test("added files join the set without a directive", () => {
    project = createProject();
    const set = new RewriteSet(project.root, codeFiles);
    set.scan();
    set.add(project.path("src/plain.ts"));
    expect(set.has(project.path("src/plain.ts"))).toBe(true);
    expect(set.loadFilter().test(project.path("src/plain.ts"))).toBe(true);
  });
});
