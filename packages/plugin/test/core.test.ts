import { existsSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, test } from "vitest";
import { coreDir, loadCore } from "../src/core.js";

describe("the core's lazy load", () => {
  test("loads the core's main entry once, whoever asks first", async () => {
    const first = loadCore();
    expect(loadCore()).toBe(first);
    expect(typeof (await first).transform).toBe("function");
  });

  test("coreDir is the core's real folder with a trailing separator, so a path prefix test cannot match a sibling folder", () => {
    const dir = coreDir();
    expect(dir.endsWith(sep)).toBe(true);
    expect(existsSync(join(dir, "package.json"))).toBe(true);
  });
});
