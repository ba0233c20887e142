import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { addRuntimeExternal, esbuildFormatWarning } from "../src/bundler-output.js";

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function project(type: "module" | "commonjs"): string {
  const folder = mkdtempSync(join(tmpdir(), "cachephant-output-"));
  folders.push(folder);
  writeFileSync(join(folder, "package.json"), JSON.stringify({ type }));
  mkdirSync(join(folder, "dist"));
  return folder;
}

describe("esbuildFormatWarning", () => {
  test("CommonJS (esbuild's default for platform node) to a .js file of a type:module package is a warning with the fix", () => {
    const absWorkingDir = project("module");
    expect(esbuildFormatWarning({ platform: "node", outfile: "dist/main.js", absWorkingDir })).toMatch(
      /^esbuild writes CommonJS \(format "cjs" \(esbuild's default for platform "node"\)\) to dist\/main\.js, .*Set format: "esm", or name the output \.cjs\.$/,
    );
    expect(esbuildFormatWarning({ format: "cjs", outdir: "dist", absWorkingDir })).toContain('"type": "module"');
  });

  test("no warning for output that loads as what it is", () => {
    const module = project("module");
    const commonjs = project("commonjs");
    expect(esbuildFormatWarning({ platform: "node", outfile: "dist/main.cjs", absWorkingDir: module })).toBeUndefined();
    expect(
      esbuildFormatWarning({ platform: "node", format: "esm", outfile: "dist/main.js", absWorkingDir: module }),
    ).toBeUndefined();
    expect(
      esbuildFormatWarning({ format: "cjs", outdir: "dist", outExtension: { ".js": ".cjs" }, absWorkingDir: module }),
    ).toBeUndefined();
    expect(
      esbuildFormatWarning({ platform: "node", outfile: "dist/main.js", absWorkingDir: commonjs }),
    ).toBeUndefined();
    expect(
      esbuildFormatWarning({ platform: "browser", outfile: "dist/main.js", absWorkingDir: module }),
    ).toBeUndefined();
  });
});

describe("addRuntimeExternal", () => {
  test("require() in CommonJS output, import in ES module output, keeping the user's externals", () => {
    const commonjs = { options: { externals: "lodash" as unknown, output: {} } };
    addRuntimeExternal(commonjs);
    expect(commonjs.options.externals).toEqual(["lodash", { "@cachephant/runtime": "commonjs @cachephant/runtime" }]);
    const esm = { options: { output: { module: true } } as { externals?: unknown; output: { module: boolean } } };
    addRuntimeExternal(esm);
    expect(esm.options.externals).toEqual([{ "@cachephant/runtime": "module @cachephant/runtime" }]);
  });
});
