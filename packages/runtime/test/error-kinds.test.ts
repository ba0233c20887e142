import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readBuiltModule } from "../src/built-functions.js";
import { ConfigError } from "../src/errors.js";
import { isCachephantError, isJsonError, isSystemError, isUrlError } from "@cachephant/core/scan";
import { tempDir } from "./helpers.js";

/** What `run` throws. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("it did not throw");
}

describe("error kinds", () => {
  test("a failed system call is a system error; a bad argument, a bug or Cachephant's own error is not", () => {
    const dir = tempDir();
    expect(isSystemError(thrownBy(() => readFileSync(join(dir, "missing"))))).toBe(true);
    expect(isSystemError(thrownBy(() => readFileSync(dir)))).toBe(true); // EISDIR
    expect(isSystemError(thrownBy(() => Buffer.alloc(-1)))).toBe(false); // code ERR_OUT_OF_RANGE
    expect(isSystemError(thrownBy(() => (undefined as unknown as { x: number }).x))).toBe(false);
    expect(isSystemError(new ConfigError("bad"))).toBe(false);
    expect(isSystemError(undefined)).toBe(false);
  });

  test("JSON, URL and Cachephant errors are told by their kind, not by their message", () => {
    expect(isJsonError(thrownBy(() => JSON.parse("{")))).toBe(true);
    expect(isJsonError(new TypeError("x"))).toBe(false);
    expect(isUrlError(thrownBy(() => new URL("not a url")))).toBe(true);
    expect(isUrlError(new TypeError("Invalid URL"))).toBe(false);
    expect(isCachephantError(new ConfigError("bad"))).toBe(true);
    expect(isCachephantError(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe(false);
  });
});

describe("a built module record that is not a record", () => {
  test.each([
    ["null", "null"],
    ["not JSON", "{"],
    ["a number", "7"],
  ])("%s reads as no record", (_name, text) => {
    const dir = tempDir();
    const file = join(dir, "record.json");
    writeFileSync(file, text);
    expect(readBuiltModule(file)).toBeUndefined();
  });

  test("a missing file reads as no record", () => {
    expect(readBuiltModule(join(tempDir(), "missing.json"))).toBeUndefined();
  });
});
