import { afterEach, describe, expect, test } from "vitest";
import { statSync } from "node:fs";
import { hasErrorCode, isSystemError } from "@cachephant/core/scan";
import { signatureFrom, signatureOf } from "../src/files.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

describe("signatureOf", () => {
  test("a file's mtime:size, null when it does not exist", () => {
    project = new TempProject().write("src/a.ts", "12345");
    expect(signatureOf(project.path("src/a.ts"))).toMatch(/^[\d.]+:5$/);
    expect(signatureOf(project.path("src/gone.ts"))).toBeNull();
    expect(signatureFrom(1.5, 7)).toBe("1.5:7");
  });
});

describe("hasErrorCode", () => {
  test("true only for an error carrying one of the codes", () => {
    expect(hasErrorCode(Object.assign(new Error("x"), { code: "ENOENT" }), ["ENOENT", "ENOTDIR"])).toBe(true);
    expect(hasErrorCode(Object.assign(new Error("x"), { code: "EACCES" }), ["ENOENT"])).toBe(false);
    expect(hasErrorCode(new TypeError("a bug"), ["ENOENT"])).toBe(false);
    expect(hasErrorCode(undefined, ["ENOENT"])).toBe(false);
  });
});

describe("isSystemError", () => {
  test("true for a failed system call (an E… code), false for a bug or a bad-argument ERR_ code", () => {
    let failed: unknown;
    try {
      statSync("/no/such/path");
    } catch (error) {
      failed = error;
    }
    expect(isSystemError(failed)).toBe(true);
    expect(isSystemError(new TypeError("x is not a function"))).toBe(false);
    expect(isSystemError(Object.assign(new TypeError("x"), { code: "ERR_INVALID_ARG_TYPE" }))).toBe(false);
    expect(isSystemError("ENOENT")).toBe(false);
  });
});
