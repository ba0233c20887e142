// The record of each module's latest build that the CLI reads (ls, prune --superseded, explain).
import { existsSync, readFileSync, statSync, utimesSync } from "node:fs";
import { builtModuleFile } from "@cachephant/runtime/project";
import { afterEach, describe, expect, test } from "vitest";
import { BuiltRecorder } from "../src/built-record.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const SQUARE = { name: "square", line: 1, hash: "abc123" };

describe("BuiltRecorder", () => {
  test("records a module's functions under the project root, named relative to the build's root", () => {
    project = new TempProject().write("app/src/a.ts", "");
    const source = project.path("app/src/a.ts");
    new BuiltRecorder(project.path("app")).record(source, [SQUARE]);
    // The nearest package.json's folder holds the records, as the CLI looks there.
    const record = JSON.parse(readFileSync(builtModuleFile(project.root, source), "utf8"));
    expect(record).toEqual({ file: "src/a.ts", source, functions: [SQUARE] });
  });

  test("writes a module's record only when its functions changed", () => {
    project = new TempProject().write("src/a.ts", "");
    const source = project.path("src/a.ts");
    const recorder = new BuiltRecorder(project.root);
    recorder.record(source, [SQUARE]);
    const path = builtModuleFile(project.root, source);
    utimesSync(path, new Date(0), new Date(0));
    recorder.record(source, [SQUARE]);
    expect(statSync(path).mtimeMs).toBe(0);
    recorder.record(source, [{ ...SQUARE, hash: "def456" }]);
    expect(JSON.parse(readFileSync(path, "utf8")).functions).toEqual([{ ...SQUARE, hash: "def456" }]);
  });

  test("a module that never had a directive gets no record; one that lost its last directive keeps an empty one", () => {
    project = new TempProject().write("src/a.ts", "").write("src/b.ts", "");
    const recorder = new BuiltRecorder(project.root);
    recorder.record(project.path("src/a.ts"), []);
    expect(existsSync(builtModuleFile(project.root, project.path("src/a.ts")))).toBe(false);
    recorder.record(project.path("src/b.ts"), [SQUARE]);
    // A later process (a new recorder) sees the record on disk and empties it.
    new BuiltRecorder(project.root).record(project.path("src/b.ts"), []);
    expect(JSON.parse(readFileSync(builtModuleFile(project.root, project.path("src/b.ts")), "utf8")).functions).toEqual(
      [],
    );
  });
});
