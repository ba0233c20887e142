/**
 * Multi-file fixtures: what a cached function's hash covers across modules.
 *
 * `fixtures/projects/<case>/project/` is a small project, copied to a
 * temporary folder; `case.json` names the entry module, fake installed
 * `packages` (`node_modules/<name>/package.json`), path `alias`es (passed as
 * a custom `resolve` option, like a bundler's), and `edits`: each edit is
 * applied to a fresh copy, and exactly the functions listed in `changes` must
 * get a new hash. `output.<ext>` and `functions.json` are file snapshots of
 * the entry's rewrite and of its functions (hash, scope, deps).
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import type { TransformOptions } from "../src/index.js";
import { createModuleGraph, TempProject } from "./helpers/project.js";

const PROJECTS = fileURLToPath(new URL("./fixtures/projects/", import.meta.url));

interface Edit {
  why: string;
  /** A text replacement in one file. */
  file?: string;
  replace?: [string, string];
  /** Files to (over)write. */
  write?: Record<string, string>;
  /** Packages to install. */
  install?: Record<string, string>;
  /** The functions whose hash must change; every other one must keep its hash. */
  changes: string[];
}

interface Case {
  entry: string;
  packages?: Record<string, string>;
  alias?: Record<string, string>;
  edits?: Edit[];
}

const projects: TempProject[] = [];
afterAll(() => {
  for (const project of projects) project.remove();
});

function setUp(name: string, spec: Case): { project: TempProject; options: () => TransformOptions } {
  const project = new TempProject({}, join(PROJECTS, name, "project"));
  projects.push(project);
  for (const [pkg, version] of Object.entries(spec.packages ?? {})) project.installPackage(pkg, version);
  const options = (): TransformOptions => (spec.alias ? { resolve: project.aliasResolver(spec.alias) } : {});
  return { project, options };
}

function applyEdit(project: TempProject, edit: Edit): void {
  if (edit.file && edit.replace) project.replace(edit.file, edit.replace[0], edit.replace[1]);
  for (const [file, content] of Object.entries(edit.write ?? {})) project.write(file, content);
  for (const [pkg, version] of Object.entries(edit.install ?? {})) project.installPackage(pkg, version);
}

/** Absolute temporary paths out of snapshots. */
function portable(text: string, project: TempProject): string {
  return text.split(project.dir).join("<project>");
}

for (const name of readdirSync(PROJECTS).sort()) {
  const spec: Case = JSON.parse(readFileSync(join(PROJECTS, name, "case.json"), "utf8"));

  describe(`project ${name}`, () => {
    test("rewrite and functions (snapshots)", async () => {
      const { project, options } = setUp(name, spec);
      const result = await project.transform(spec.entry, options());
      await expect(result.code).toMatchFileSnapshot(join(PROJECTS, name, `output${extname(spec.entry)}`));
      const functions = result.functions.map(({ name: fn, hash, scope, deps }) => ({ name: fn, hash, scope, deps }));
      const summary = { functions, dependencies: result.dependencies.map((file) => portable(file, project)) };
      await expect(`${JSON.stringify(summary, null, 2)}\n`).toMatchFileSnapshot(join(PROJECTS, name, "functions.json"));
      // No line is added or removed, and a second pass has nothing to do.
      expect(result.code.split("\n").length).toBe(project.read(spec.entry).split("\n").length);
    });

    for (const edit of spec.edits ?? []) {
      const expectation =
        edit.changes.length === 0 ? "keeps every hash" : `changes the hash of ${edit.changes.join(", ")} only`;
      test(`editing ${edit.why} ${expectation}`, async () => {
        const { project, options } = setUp(name, spec);
        // One graph across the edit, as in watch mode: it must see the change.
        const graph = createModuleGraph();
        const before = await project.hashes(spec.entry, { ...options(), graph });
        applyEdit(project, edit);
        // An edited file is seen by its content; a new file or package may change
        // resolutions, and package versions are read once per graph (per build).
        if (edit.write || edit.install || edit.file?.startsWith("node_modules/")) graph.invalidate();
        const after = await project.hashes(spec.entry, { ...options(), graph });
        const changed = Object.keys(before).filter((fn) => before[fn] !== after[fn]);
        expect(changed).toEqual(edit.changes);
        // The same hashes from scratch (no cache state).
        expect(await project.hashes(spec.entry, options())).toEqual(after);
      });
    }
  });
}
