import { afterEach, describe, expect, test } from "vitest";
import { ModuleDependents } from "../src/module-dependents.js";
import { OutsideLog } from "../src/outside-log.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

function setup() {
  const log = new OutsideLog({ read: () => undefined, write: () => {} });
  return { log, dependents: new ModuleDependents(log) };
}

describe("ModuleDependents", () => {
  test("lists the modules whose last output depends on a file, as of each module's latest output", () => {
    const { dependents } = setup();
    dependents.note("/src/a.ts", undefined, ["/src/h.ts", "/src/k.ts"]);
    dependents.note("/src/b.ts?v=1", undefined, ["/src/h.ts"]);
    expect(dependents.dependentsOf("/src/h.ts")).toEqual(["/src/a.ts", "/src/b.ts?v=1"]);
    dependents.note("/src/a.ts", undefined, ["/src/k.ts"]);
    expect(dependents.dependentsOf("/src/h.ts")).toEqual(["/src/b.ts?v=1"]);
    expect(dependents.dependentsOf("/src/none.ts")).toEqual([]);
  });

  test("a module that counted exported data by code is outdated once a file naming that data changes", () => {
    project = new TempProject().write("src/admin.ts", "shared.n++;\n");
    const { log, dependents } = setup();
    dependents.note("/src/a.ts", log.stamp(["shared"]), []);
    dependents.note("/src/b.ts", log.stamp(["other"]), []);
    dependents.note("/src/c.ts", undefined, []);
    expect(dependents.countsOutside("/src/a.ts")).toBe(true);
    expect(dependents.countsOutside("/src/c.ts")).toBe(false);
    expect(dependents.outdated()).toEqual([]);
    log.note([project.path("src/admin.ts")]);
    expect(dependents.outdated()).toEqual(["/src/a.ts"]);
    expect(dependents.isOutdated("/src/b.ts")).toBe(false);
    // Its next output counted by value: no longer tracked.
    dependents.note("/src/a.ts", undefined, []);
    expect(dependents.countsOutside("/src/a.ts")).toBe(false);
    expect(dependents.outdated()).toEqual([]);
  });
});
