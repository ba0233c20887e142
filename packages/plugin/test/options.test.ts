import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PluginOptionsError, RuntimeNotFoundError } from "../src/errors.js";
import { resolveOptions } from "../src/options.js";
import { createRuntimeCheck } from "../src/runtime-check.js";

describe("resolveOptions", () => {
  test("fills in the defaults", () => {
    const resolved = resolveOptions();
    expect(resolved.root).toBe(process.cwd());
    expect(resolved.dir).toBeUndefined();
    expect(resolved.maxSize).toBeUndefined();
    expect(resolved.exclude).toEqual([/[\\/]node_modules[\\/]/]);
  });

  test("keeps a valid size", () => {
    expect(resolveOptions({ maxSize: "2GB" }).maxSize).toBe("2GB");
    expect(resolveOptions({ maxSize: 1024 }).maxSize).toBe(1024);
  });

  test("rejects a size it cannot read, naming the option and the format", () => {
    const make = () => resolveOptions({ maxSize: "12XB" });
    expect(make).toThrow(PluginOptionsError);
    expect(make).toThrow(/maxSize: "12XB".*500MB/);
  });

  test("rejects an empty dir", () => {
    expect(() => resolveOptions({ dir: "" })).toThrow(/dir: ""/);
  });

  test("an unknown option is one warning naming the nearest valid one, in configure()'s words; the build goes on", () => {
    const said: string[] = [];
    const resolved = resolveOptions({ maxsize: "2GB", dir: ".cache/x" } as never, (message) => said.push(message));
    expect(resolved.dir).toBe(".cache/x");
    expect(said).toEqual([
      'cachephant({ maxsize: "2GB" }): unknown setting "maxsize"; did you mean maxSize? It is ignored.',
    ]);
  });

  test("a value of the wrong type fails with the same words as configure()", () => {
    expect(() => resolveOptions({ include: 42 } as never)).toThrow(
      "cachephant({ include: 42 }): expected a string, a RegExp or an array of them.",
    );
    expect(() => resolveOptions({ maxSize: "12XB" })).toThrow(
      'cachephant({ maxSize: "12XB" }): not a size; use a number of bytes',
    );
  });

  test("a private key among the options fails the build, without repeating the key", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
    const make = () => resolveOptions({ remoteSigningKey: key } as never);
    expect(make).toThrow(PluginOptionsError);
    expect(make).toThrow(
      "cachephant({ remoteSigningKey: … }): a private key never goes in settings; set CACHEPHANT_REMOTE_SIGNING_KEY",
    );
    expect(make).not.toThrow(/PRIVATE KEY/);
  });
});

describe("the runtime check", () => {
  test("passes inside this workspace, where the plugin's runtime is installed", () => {
    expect(() => createRuntimeCheck()(join(import.meta.dirname, "options.test.ts"))).not.toThrow();
  });

  test("names the fix when a project cannot resolve @cachephant/runtime", () => {
    const project = mkdtempSync(join(tmpdir(), "cachephant-no-runtime-"));
    writeFileSync(join(project, "package.json"), "{}");
    const file = join(project, "index.js");
    const check = () => createRuntimeCheck()(file);
    expect(check).toThrow(RuntimeNotFoundError);
    expect(check).toThrow(/npm install @cachephant\/runtime/);
  });
});
