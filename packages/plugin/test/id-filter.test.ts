import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { createIdFilter } from "../src/id-filter.js";

describe("createIdFilter", () => {
  test("no include takes every file but the excluded ones", () => {
    const filter = createIdFilter([], [/[\\/]node_modules[\\/]/]);
    expect(filter("/p/src/a.ts")).toBe(true);
    expect(filter("/p/node_modules/x/a.js")).toBe(false);
  });

  test("regular expressions test the path with / separators, also a Windows path, and a global one tests every file alike", () => {
    const filter = createIdFilter(/\/src\/.*\.ts$/g, []);
    expect(filter("C:\\p\\src\\a.ts")).toBe(true);
    expect(filter("/p/src/b.ts")).toBe(true);
    expect(filter("/p/src/b.ts")).toBe(true);
    expect(filter("/p/lib/b.ts")).toBe(false);
  });

  test("globs are relative to the working directory unless they start with ** or are absolute; exclude wins", () => {
    const filter = createIdFilter(["./src/**/*.ts", "**/shared/*.js", "/abs/**"], ["src/generated/**"]);
    expect(filter(resolve("src/deep/a.ts"))).toBe(true);
    expect(filter(resolve("lib/a.ts"))).toBe(false);
    expect(filter("/anywhere/shared/x.js")).toBe(true);
    expect(filter("/abs/x/y.mjs")).toBe(true);
    expect(filter(resolve("src/generated/a.ts"))).toBe(false);
  });
});
