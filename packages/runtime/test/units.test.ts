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
    ["90m", 5_400_000],
    ["1w", 604_800_000],
    ["0.5s", 500],
    ["1ms", 1],
    [" 30s ", 30_000],
  ])("%j is %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each([
    "soon",
    "10", // no unit
    "0s", // nothing
    "0.4ms", // under a millisecond
    "1y",
    "-5m",
    "",
    "1 h", // a space between
    "1 hour",
    "1hour",
    "1H", // units are lowercase: M is not a minute
    "1M",
    ".5h",
    "1.h",
    "1e3s",
    "1h30m",
  ])("refuses %j", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
