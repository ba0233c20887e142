import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { checkEnvironment, resolveSettings, type SettingsInputs } from "../src/config.js";
import {
  nearestPackageRoot,
  readPackageSettings,
  readRecordedSettings,
  RECORDED_SETTINGS_FILE,
  recordSettings,
  rootSearchStart,
} from "../src/project.js";
import { configure, ConfigError } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const said: string[] = [];

function settings(inputs: Partial<SettingsInputs>) {
  said.length = 0;
  return resolveSettings(
    { env: {}, cwd: "/work/elsewhere", root: "/work/app", configured: {}, plugin: {}, ...inputs },
    (_id, message) => said.push(message),
  );
}

describe("store directory", () => {
  test("CACHEPHANT_DIR (relative to the working directory), else configure, else the plugin, else package.json (relative to the project root)", () => {
    const all = {
      env: { CACHEPHANT_DIR: "env-dir" },
      configured: { dir: "configured" },
      plugin: { dir: "plugin" },
      recorded: { dir: "recorded" },
      manifest: { dir: "manifest" },
    };
    expect(settings(all).dir).toBe(resolve("/work/elsewhere/env-dir"));
    expect(settings({ ...all, env: {} }).dir).toBe(resolve("/work/app/configured"));
    expect(settings({ ...all, env: {}, configured: {} }).dir).toBe(resolve("/work/app/plugin"));
    expect(settings({ recorded: { dir: "recorded" }, manifest: { dir: "manifest" } }).dir).toBe(
      resolve("/work/app/recorded"),
    );
    expect(settings({ manifest: { dir: "manifest" } }).dir).toBe(resolve("/work/app/manifest"));
    expect(settings({ plugin: { dir: "/abs/cache" } }).dir).toBe(resolve("/abs/cache"));
  });

  test("an empty CACHEPHANT_DIR counts as unset", () => {
    expect(settings({ env: { CACHEPHANT_DIR: "" }, plugin: { dir: "p" } }).dir).toBe(resolve("/work/app/p"));
  });

  test("default: node_modules/.cache/cachephant in the project root, whatever the working directory", () => {
    expect(settings({}).dir).toBe(join("/work/app", "node_modules", ".cache", "cachephant"));
    expect(settings({ cwd: "/" }).dir).toBe(join("/work/app", "node_modules", ".cache", "cachephant"));
  });
});

describe("project root", () => {
  test("the nearest folder with a package.json above the program's entry file, not the working directory", () => {
    const root = tempDir();
    writeFileSync(join(root, "package.json"), "{}");
    mkdirSync(join(root, "dist"), { recursive: true });
    writeFileSync(join(root, "dist", "main.mjs"), "");
    expect(nearestPackageRoot(rootSearchStart(join(root, "dist", "main.mjs"), "/"))).toBe(root);
  });

  test("the working directory for a tool in node_modules (a test runner, the CLI) or without an entry file", () => {
    expect(rootSearchStart("/work/app/node_modules/vitest/vitest.mjs", "/work/app/packages/a")).toBe(
      "/work/app/packages/a",
    );
    expect(rootSearchStart(undefined, "/work/app")).toBe("/work/app");
  });

  test("the plugin's recorded options and the package.json key are read from the root", () => {
    const root = tempDir();
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ name: "app", cachephant: { dir: ".cache/p", maxSize: "5MB" } }),
    );
    expect(readPackageSettings(root)).toEqual({ dir: ".cache/p", maxSize: "5MB" });
    expect(readRecordedSettings(root)).toEqual({});
    expect(recordSettings(root, "vite", { dir: ".cache/x", maxSize: "2GB" })).toEqual({ recorded: true });
    expect(readRecordedSettings(root)).toEqual({
      dir: ".cache/x",
      maxSize: "2GB",
      dirFrom: "the vite build",
      maxSizeFrom: "the vite build",
    });
    expect(recordSettings(root, "vite", {})).toEqual({ recorded: true });
    expect(readRecordedSettings(root)).toEqual({});
  });

  test("a build without options leaves another build's recorded options in place; builds that agree are named together", () => {
    const root = tempDir();
    recordSettings(root, "vite", { maxSize: "2GB" });
    expect(recordSettings(root, "esbuild", {})).toEqual({ recorded: true });
    expect(readRecordedSettings(root)).toEqual({ maxSize: "2GB", maxSizeFrom: "the vite build" });
    recordSettings(root, "esbuild", { maxSize: "2000MB" });
    expect(readRecordedSettings(root)).toEqual({ maxSize: "2000MB", maxSizeFrom: "the esbuild and vite builds" });
    expect((statSync(join(root, RECORDED_SETTINGS_FILE)).mode & 0o777).toString(8)).toBe("600");
  });

  test("builds that disagree: the one recorded second is warned with the fix; the largest maxSize and the dir recorded last win", () => {
    const root = tempDir();
    recordSettings(root, "vite", { dir: ".cache/a", maxSize: "2GB" });
    const outcome = recordSettings(root, "webpack", { dir: ".cache/b", maxSize: "500MB" });
    expect(outcome.disagreement).toBe(
      'this webpack build sets maxSize "500MB" where the vite build sets "2GB", and dir ".cache/b" where the vite build sets ".cache/a" ' +
        `(recorded in ${RECORDED_SETTINGS_FILE}): the CLI and programs built without the option use the largest maxSize and the dir recorded last. ` +
        'Give the project one setting: the same option in every build, or "cachephant": { "maxSize": ..., "dir": ... } in package.json and no plugin option.',
    );
    expect(readRecordedSettings(root)).toEqual({
      dir: ".cache/b",
      dirFrom: "the webpack build (recorded last; builds disagree)",
      maxSize: "2GB",
      maxSizeFrom: "the vite build (the largest; builds disagree)",
    });
  });

  test("a record in the single-build format of earlier versions reads as one earlier build", () => {
    const root = tempDir();
    mkdirSync(join(root, "node_modules", ".cache"), { recursive: true });
    writeFileSync(join(root, RECORDED_SETTINGS_FILE), JSON.stringify({ maxSize: "3GB" }));
    expect(readRecordedSettings(root)).toEqual({ maxSize: "3GB", maxSizeFrom: "the earlier build" });
  });

  test("each resolved setting says where it came from", () => {
    const base = { cwd: "/w", root: "/app", configured: {}, plugin: {} };
    const quiet = () => {};
    expect(resolveSettings({ ...base, env: {} }, quiet).sources).toEqual({
      dir: "the default",
      maxSize: "the default",
    });
    expect(
      resolveSettings({ ...base, env: { CACHEPHANT_MAX_SIZE: "5MB", CACHEPHANT_DIR: "c" } }, quiet).sources,
    ).toEqual({
      dir: "CACHEPHANT_DIR",
      maxSize: "CACHEPHANT_MAX_SIZE",
    });
    const recorded = { dir: ".c", dirFrom: "the vite build", maxSize: "2GB", maxSizeFrom: "the vite build" };
    expect(resolveSettings({ ...base, env: {}, recorded, manifest: { maxSize: "1MB" } }, quiet).sources).toEqual({
      dir: `the plugin option dir of the vite build, recorded in ${RECORDED_SETTINGS_FILE}`,
      maxSize: `the plugin option maxSize of the vite build, recorded in ${RECORDED_SETTINGS_FILE}`,
    });
    expect(
      resolveSettings({ ...base, env: {}, plugin: { maxSize: "3GB" }, manifest: { dir: "d" } }, quiet).sources,
    ).toEqual({
      dir: 'the "cachephant" key of package.json',
      maxSize: "the plugin option maxSize of this program's build",
    });
  });
});

describe("size bound", () => {
  test("CACHEPHANT_MAX_SIZE, else configure, else the plugin (its call, else its recorded options), else package.json, else 1GB", () => {
    expect(settings({}).maxSize).toBe(1e9);
    expect(settings({ manifest: { maxSize: "3GB" } }).maxSize).toBe(3e9);
    expect(settings({ recorded: { maxSize: "4GB" }, manifest: { maxSize: "3GB" } }).maxSize).toBe(4e9);
    expect(settings({ plugin: { maxSize: "2GB" }, recorded: { maxSize: "4GB" } }).maxSize).toBe(2e9);
    expect(settings({ plugin: { maxSize: 1234 } }).maxSize).toBe(1234);
    expect(settings({ configured: { maxSize: "1GiB" }, plugin: { maxSize: "2GB" } }).maxSize).toBe(2 ** 30);
    expect(settings({ env: { CACHEPHANT_MAX_SIZE: "500MB" }, configured: { maxSize: "1GiB" } }).maxSize).toBe(500e6);
  });

  test("a bad value is one warning naming its source and the format, and the next source decides", () => {
    expect(settings({ env: { CACHEPHANT_MAX_SIZE: "banana" } }).maxSize).toBe(1e9);
    expect(said).toEqual([
      'CACHEPHANT_MAX_SIZE="banana" is not a size, so it is ignored. Use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
    ]);
    expect(settings({ env: { CACHEPHANT_MAX_SIZE: "12XB" }, configured: { maxSize: "2GB" } }).maxSize).toBe(2e9);
    expect(settings({ plugin: { maxSize: "big" } }).maxSize).toBe(1e9);
    expect(said).toEqual([expect.stringMatching(/^the plugin option maxSize: "big" is not a size/)]);
    expect(() => configure({ maxSize: "huge" })).toThrowError(ConfigError);
    expect(() => configure({ dir: "" })).toThrowError(ConfigError);
  });

  test("configure() refuses unknown keys, naming the nearest valid one, and values of the wrong type", () => {
    const refuse = (options: unknown) => () => configure(options as Parameters<typeof configure>[0]);
    expect(refuse({ dirr: "x" })).toThrowError('configure({ dirr: "x" }): unknown setting "dirr"; did you mean dir?');
    expect(refuse({ maxsize: "2GB" })).toThrowError('unknown setting "maxsize"; did you mean maxSize?');
    expect(refuse({ colour: 1 })).toThrowError(
      'unknown setting "colour"; known settings: dir, maxSize, enabled, debug, remote',
    );
    expect(refuse({ enabled: "no" })).toThrowError('configure({ enabled: "no" }): expected true or false.');
    expect(refuse({ debug: 1 })).toThrowError("configure({ debug: 1 }): expected true or false.");
    expect(refuse({ remote: 6379 })).toThrowError("configure({ remote: 6379 }): expected a string.");
    expect(refuse({ maxSize: "12XB" })).toThrowError(
      'configure({ maxSize: "12XB" }): not a size; use a number of bytes',
    );
    expect(refuse(null)).toThrowError(ConfigError);
    // A refused call changes nothing; undefined still clears a setting.
    configure({ enabled: false });
    expect(refuse({ enabled: "yes" })).toThrowError(ConfigError);
    expect(() => configure({ enabled: undefined })).not.toThrow();
  });

  test('package.json\'s "cachephant" key: unknown keys and bad values are each one warning with the same words, and left out', () => {
    const root = tempDir();
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ cachephant: { dirr: ".cache/x", maxSize: "lots", dir: ".cache/p" } }),
    );
    const said: string[] = [];
    expect(readPackageSettings(root, (message) => said.push(message))).toEqual({ dir: ".cache/p" });
    expect(said).toEqual([
      'package.json "cachephant": { "dirr": ".cache/x" }: unknown setting "dirr"; did you mean dir?',
      'package.json "cachephant": { "maxSize": "lots" }: not a size; use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
    ]);
    writeFileSync(join(root, "package.json"), JSON.stringify({ cachephant: "2GB" }));
    said.length = 0;
    expect(readPackageSettings(root, (message) => said.push(message))).toEqual({});
    expect(said).toEqual([expect.stringMatching(/^package.json "cachephant": expected an object/)]);
  });

  test("checkEnvironment (the CLI's check) throws on the same values", () => {
    expect(() => checkEnvironment({ CACHEPHANT_MAX_SIZE: "banana" })).toThrowError(
      'CACHEPHANT_MAX_SIZE="banana" is not a size. Use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
    );
    expect(() => checkEnvironment({ CACHEPHANT_DEBUG: "loud" })).toThrowError(
      /CACHEPHANT_DEBUG="loud" is not understood/,
    );
    expect(() => checkEnvironment({ CACHEPHANT_MAX_SIZE: "2GB", CACHEPHANT: "off" })).not.toThrow();
  });

  test("a CACHEPHANT_* variable that Cachephant does not read warns with the nearest real name; set to nothing, it is left alone", () => {
    const resolved = settings({ env: { CACHEPHANT_DIRR: "/elsewhere", CACHEPHANT_DEBG: "1", CACHEPHANT_UNUSED: "" } });
    expect(said).toEqual([
      'CACHEPHANT_DIRR="/elsewhere" is not a Cachephant variable, so it is ignored; did you mean CACHEPHANT_DIR?',
      'CACHEPHANT_DEBG="1" is not a Cachephant variable, so it is ignored; did you mean CACHEPHANT_DEBUG?',
    ]);
    expect(resolved.debug).toBe(false);
    expect(resolved.dir).toBe("/work/app/node_modules/.cache/cachephant");
    expect(() => checkEnvironment({ CACHEPHANT_DIRR: "/elsewhere" })).toThrowError(
      /CACHEPHANT_DIRR="\/elsewhere" is not a Cachephant variable; did you mean CACHEPHANT_DIR\?/,
    );
  });
});

describe("memory tier", () => {
  test("CACHEPHANT_MEMORY_SIZE wins over configure({ memorySize }), 0 turns it off, the default is 64 MB, a bad value is one warning", () => {
    expect(settings({}).memorySize).toBe(64e6);
    expect(settings({ configured: { memorySize: "8MB" } }).memorySize).toBe(8e6);
    expect(settings({ env: { CACHEPHANT_MEMORY_SIZE: "0" }, configured: { memorySize: "8MB" } }).memorySize).toBe(0);
    expect(settings({ env: { CACHEPHANT_MEMORY_SIZE: "lots" } }).memorySize).toBe(64e6);
    expect(said).toEqual([
      'CACHEPHANT_MEMORY_SIZE="lots" is not a size, so it is ignored. Use a number of bytes or a size such as 500MB, 2GB or 1GiB, or 0 for none.',
    ]);
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

  test("an unknown value is one warning that says what is accepted, and is ignored", () => {
    expect(settings({ env: { CACHEPHANT: "nah" } }).enabled).toBe(true);
    expect(said).toEqual([expect.stringMatching(/^CACHEPHANT="nah" is not understood, so it is ignored\. Use off/)]);
    expect(settings({ env: { CACHEPHANT_DEBUG: "verbose" }, configured: { debug: true } }).debug).toBe(true);
    expect(said).toEqual([expect.stringMatching(/^CACHEPHANT_DEBUG="verbose"/)]);
  });
});

describe("check mode", () => {
  test.each([
    [undefined, 0],
    ["", 0],
    ["1", 1],
    ["on", 1],
    ["true", 1],
    ["0", 0],
    ["off", 0],
    ["0.05", 0.05],
    [".5", 0.5],
    ["1.0", 1],
  ])("CACHEPHANT_CHECK=%s checks that share of hits: %s", (value, share) => {
    expect(settings({ env: { CACHEPHANT_CHECK: value } }).check).toBe(share);
    expect(said).toEqual([]);
  });

  test.each(["always", "1.5", "-0.1", "5%", "NaN"])(
    "CACHEPHANT_CHECK=%s is one warning, and check mode is off",
    (value) => {
      expect(settings({ env: { CACHEPHANT_CHECK: value } }).check).toBe(0);
      expect(said).toEqual([
        expect.stringMatching(/^CACHEPHANT_CHECK=".*" is not understood, so it is ignored\. Use 1 \(or on\)/),
      ]);
      expect(() => checkEnvironment({ CACHEPHANT_CHECK: value })).toThrowError(
        /CACHEPHANT_CHECK=".*" is not understood\. Use 1/,
      );
    },
  );

  test("CACHEPHANT_CHECK_REPORT is relative to the working directory", () => {
    expect(settings({}).checkReport).toBeUndefined();
    expect(settings({ env: { CACHEPHANT_CHECK_REPORT: "out/check.jsonl" } }).checkReport).toBe(
      resolve("/work/elsewhere/out/check.jsonl"),
    );
    expect(settings({ env: { CACHEPHANT_CHECK_REPORT: "/tmp/c.jsonl" } }).checkReport).toBe(resolve("/tmp/c.jsonl"));
  });
});
