import { stripQuery as coreStripQuery } from "@cachephant/core";
import { describe, expect, test } from "vitest";
import { stripQuery } from "../src/module-id.js";

describe("stripQuery", () => {
  const ids = ["/src/a.ts", "/src/a.ts?v=123", "/src/a.ts#x", "/src/App.vue?vue&type=script&lang.ts", "/src/a.ts?x#y", "/src/a.ts#x?y", "C:\\src\\a.ts?raw", "", "?only"];

  test("cuts a query or a hash from a module id, and leaves a plain path as it is", () => {
    expect(stripQuery("/src/a.ts?v=123")).toBe("/src/a.ts");
    expect(stripQuery("/src/a.ts#x")).toBe("/src/a.ts");
    expect(stripQuery("/src/a.ts#x?y")).toBe("/src/a.ts");
    expect(stripQuery("/src/a.ts")).toBe("/src/a.ts");
  });

  test("cuts exactly as the core's stripQuery does, so the plugin and the core name a module alike", () => {
    for (const id of ids) expect(stripQuery(id), id).toBe(coreStripQuery(id));
  });
});
