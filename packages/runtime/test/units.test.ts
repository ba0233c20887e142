import { describe, expect, test } from "vitest";
import { parseDuration, parseSize } from "../src/units.js";

describe("parseSize", () => {
  test.each([
    ["1024", 1024],
    ["500MB", 500e6],
    ["2GB", 2e9],
    ["1.5 kb", 1500],
    ["1KiB", 1024],
    ["2MiB", 2 * 2 ** 20],
    ["1GiB", 2 ** 30],
    ["10b", 10],
  ])("%s is %d bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  test("takes a number of bytes", () => {
    expect(parseSize(4096)).toBe(4096);
  });

  test.each(["12XB", "", "GB", "-1MB", "1e3", "ten"])("refuses %j", (input) => {
    expect(parseSize(input)).toBeUndefined();
  });

  test("refuses negative and non-finite numbers", () => {
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe("parseDuration", () => {
  test.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["250ms", 250],
    ["1.5h", 5_400_000],
  ])("%s is %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each(["soon", "10", "0s", "1y", "-5m", ""])("refuses %j", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
