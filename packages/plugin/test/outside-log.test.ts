// The outside log: a remembered result that counted exported data by code
// holds until a file naming that data changes.
import { afterEach, describe, expect, test } from "vitest";
import { OutsideLog } from "../src/outside-log.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

/** A log over an in-memory side file; `saved` is what it wrote last. */
function memoryLog(initial?: unknown) {
  const storage = {
    saved: initial,
    read: () => storage.saved,
    write: (value: unknown) => void (storage.saved = structuredClone(value)),
  };
  return { log: new OutsideLog(storage), storage };
}

describe("OutsideLog", () => {
  test("a stamp holds until a changed file names one of its names, and no longer after", () => {
    project = new TempProject()
      .write("src/admin.ts", "import { config } from './h';\nconfig.rate = 2;\n")
      .write("src/other.ts", "export const unrelated = 1;\n");
    const { log } = memoryLog();
    const stamp = log.stamp(["config"]);
    log.note([project.path("src/other.ts")]);
    expect(log.holds(stamp)).toBe(true);
    log.note([project.path("src/admin.ts")]);
    expect(log.holds(stamp)).toBe(false);
    // A result stamped after the change holds again.
    expect(log.holds(log.stamp(["config"]))).toBe(true);
  });

  test("a file holding a whole module object (import * as) outdates every stamp", () => {
    project = new TempProject().write("src/all.ts", "import * as h from './h';\nh.anything.n = 1;\n");
    const { log } = memoryLog();
    const stamp = log.stamp(["config"]);
    log.note([project.path("src/all.ts")]);
    expect(log.holds(stamp)).toBe(false);
  });

  test("a scan with no earlier one to compare with outdates every stamp without reading a file", () => {
    const { log } = memoryLog();
    const stamp = log.stamp(["config"]);
    log.note(["/no/such/file.ts"], false);
    expect(log.holds(stamp)).toBe(false);
  });

  test("a deleted file touches nothing: the epoch stays and nothing is written", () => {
    const { log, storage } = memoryLog();
    const stamp = log.stamp(["config"]);
    const epoch = log.epoch;
    log.note(["/no/such/file.ts"]);
    expect(log.epoch).toBe(epoch);
    expect(storage.saved).toBeUndefined();
    expect(log.holds(stamp)).toBe(true);
  });

  test("a stamp without names, or no stamp, always holds", () => {
    const { log } = memoryLog();
    log.note([], false);
    expect(log.holds(undefined)).toBe(true);
    expect(log.holds({ names: [], epoch: 0 })).toBe(true);
  });

  test("the log is read back by a later process; a malformed side file starts a new one", () => {
    project = new TempProject().write("src/admin.ts", "config.rate = 2;\n");
    const first = memoryLog();
    const stamp = first.log.stamp(["config"]);
    first.log.note([project.path("src/admin.ts")]);
    const later = new OutsideLog({ read: () => first.storage.saved, write: () => {} });
    expect(later.epoch).toBe(first.log.epoch);
    expect(later.holds(stamp)).toBe(false);
    expect(memoryLog({ epoch: "x" }).log.epoch).toBe(1);
  });

  test("a folder given as a changed file is skipped; another read error is not taken for a deletion", () => {
    project = new TempProject().write("src/dir/a.ts", "");
    const { log } = memoryLog();
    const epoch = log.epoch;
    log.note([project.path("src/dir")]);
    expect(log.epoch).toBe(epoch);
    // A path through a file (ENOTDIR) counts as absent too.
    log.note([project.path("src/dir/a.ts/x")]);
    expect(log.epoch).toBe(epoch);
  });
});
