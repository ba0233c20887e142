import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { resolveSettings, type SettingsInputs } from "../src/config.js";
import { configure, ConfigError } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

function settings(inputs: Partial<SettingsInputs>) {
  return resolveSettings({ env: {}, cwd: "/work/app", configured: {}, plugin: {}, ...inputs });
}

describe("store directory", () => {
  test("CACHEPHANT_DIR, else configure({ dir }), else the plugin's dir, all relative to the working directory", () => {
    const all = { env: { CACHEPHANT_DIR: "env-dir" }, configured: { dir: "configured" }, plugin: { dir: "plugin" } };
    expect(settings(all).dir).toBe(resolve("/work/app/env-dir"));
    expect(settings({ ...all, env: {} }).dir).toBe(resolve("/work/app/configured"));
    expect(settings({ plugin: { dir: "plugin" } }).dir).toBe(resolve("/work/app/plugin"));
    expect(settings({ plugin: { dir: "/abs/cache" } }).dir).toBe(resolve("/abs/cache"));
  });

  test("an empty CACHEPHANT_DIR counts as unset", () => {
    expect(settings({ env: { CACHEPHANT_DIR: "" }, plugin: { dir: "p" } }).dir).toBe(resolve("/work/app/p"));
  });

  test("default: node_modules/.cache/cachephant in the nearest folder with a package.json", () => {
    const root = tempDir();
    writeFileSync(join(root, "package.json"), "{}");
    const deep = join(root, "packages", "app", "src");
    mkdirSync(deep, { recursive: true });
    expect(settings({ cwd: deep }).dir).toBe(join(root, "node_modules", ".cache", "cachephant"));
    writeFileSync(join(root, "packages", "app", "package.json"), "{}");
    expect(settings({ cwd: deep }).dir).toBe(join(root, "packages", "app", "node_modules", ".cache", "cachephant"));
  });

  test("default without any package.json: under the working directory", () => {
    // The temp dir has no package.json at or above it (a tmpfs root does not either).
    const cwd = tempDir();
    const dir = settings({ cwd }).dir;
    expect(dir.endsWith(join("node_modules", ".cache", "cachephant"))).toBe(true);
  });
});

describe("size bound", () => {
  test("CACHEPHANT_MAX_SIZE, else configure, else the plugin, else 1GB", () => {
    expect(settings({}).maxSize).toBe(1e9);
    expect(settings({ plugin: { maxSize: "2GB" } }).maxSize).toBe(2e9);
    expect(settings({ plugin: { maxSize: 1234 } }).maxSize).toBe(1234);
    expect(settings({ configured: { maxSize: "1GiB" }, plugin: { maxSize: "2GB" } }).maxSize).toBe(2 ** 30);
    expect(settings({ env: { CACHEPHANT_MAX_SIZE: "500MB" }, configured: { maxSize: "1GiB" } }).maxSize).toBe(500e6);
  });

  test("bad values are errors naming their source and the format", () => {
    expect(() => settings({ env: { CACHEPHANT_MAX_SIZE: "12XB" } })).toThrowError(
      'CACHEPHANT_MAX_SIZE="12XB" is not a size. Use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
    );
    expect(() => settings({ plugin: { maxSize: "big" } })).toThrowError(/^The plugin option maxSize: "big" is not a size/);
    expect(() => configure({ maxSize: "huge" })).toThrowError(ConfigError);
    expect(() => configure({ dir: "" })).toThrowError(ConfigError);
  });
});

describe("switches", () => {
  test.each([
    ["off", false],
    ["0", false],
    ["false", false],
    ["OFF", false],
    ["on", true],
    ["1", true],
    ["true", true],
  ])("CACHEPHANT=%s", (value, enabled) => {
    expect(settings({ env: { CACHEPHANT: value } }).enabled).toBe(enabled);
  });

  test("the environment wins over configure()", () => {
    expect(settings({ configured: { enabled: false } }).enabled).toBe(false);
    expect(settings({ env: { CACHEPHANT: "on" }, configured: { enabled: false } }).enabled).toBe(true);
    expect(settings({ configured: { debug: true } }).debug).toBe(true);
    expect(settings({ env: { CACHEPHANT_DEBUG: "0" }, configured: { debug: true } }).debug).toBe(false);
    expect(settings({ env: { CACHEPHANT_DEBUG: "1" } }).debug).toBe(true);
  });

  test("an unknown value is an error that says what is accepted", () => {
    expect(() => settings({ env: { CACHEPHANT: "nah" } })).toThrowError(/CACHEPHANT="nah" is not understood\. Use off/);
    expect(() => settings({ env: { CACHEPHANT_DEBUG: "verbose" } })).toThrowError(/CACHEPHANT_DEBUG="verbose"/);
  });
});
