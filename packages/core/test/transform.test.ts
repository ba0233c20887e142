import { describe, expect, test } from "vitest";
import { CachephantBuildError, transform } from "../src/index.js";

describe("transform", () => {
  test("returns null without parsing when the text has no `use cache`", async () => {
    expect(await transform("this is { not JavaScript", "/project/a.js")).toBeNull();
  });

  test("returns null when `use cache` is only in comments or strings", async () => {
    const code = `// "use cache" is explained elsewhere\nconst hint = "use cache";\nexport async function f() { return hint; }\n`;
    expect(await transform(code, "/project/a.js")).toBeNull();
  });

  test("returns null for a file it cannot parse when only a comment mentions use cache", async () => {
    expect(await transform("// we use cache here\nconst x: = ;", "/project/a.js")).toBeNull();
  });

  test("parses by the `lang.*` of a query (a script block of another kind of file)", async () => {
    const code = `export async function f(a: number) { "use cache"; return a; }`;
    expect(
      (await transform(code, "/project/src/App.vue?vue&type=script&setup=true&lang.ts", { root: "/project" }))!.code,
    ).toContain(`file: "src/App.vue"`);
  });

  test("lists the wrapped functions with name, hash, 1-based line and 0-based column, and what explain shows of each", async () => {
    const code = `const x = 1;\nexport async function load(a) {\n  "use cache";\n  return a;\n}\nconst api = { async get(id) { "use cache"; return id; } };\n`;
    const result = (await transform(code, "/project/src/a.js", { root: "/project" }))!;
    const explainOf = (param: string) => ({
      reaches: [],
      scope: [],
      state: [],
      params: [{ name: param, path: "args[0]", ignored: false }],
      ignoredVariables: [],
      inputs: true,
    });
    expect(result.functions).toEqual([
      {
        name: "load",
        hash: expect.stringMatching(/^[0-9a-f]{32}$/),
        line: 2,
        column: 7,
        scope: [],
        unchanging: [],
        deps: [["own code", expect.stringMatching(/^[0-9a-f]{16}$/)]],
        state: [],
        explain: explainOf("a"),
      },
      {
        name: "get",
        hash: expect.stringMatching(/^[0-9a-f]{32}$/),
        line: 6,
        column: 14,
        scope: [],
        unchanging: [],
        deps: [["own code", expect.stringMatching(/^[0-9a-f]{16}$/)]],
        state: [],
        explain: explainOf("id"),
      },
    ]);
  });

  test("makes `file` relative to the root, defaulting to the working directory", async () => {
    const code = `export async function f() { "use cache"; return 1; }`;
    expect((await transform(code, `${process.cwd()}/src/deep/f.js`))!.code).toContain(`file: "src/deep/f.js"`);
    expect((await transform(code, "/elsewhere/f.js?import", { root: "/project" }))!.code).toContain(
      `file: "../elsewhere/f.js"`,
    );
  });

  test("returns a high-resolution source map of the id with its content", async () => {
    const code = `export async function f(a) {\n  "use cache";\n  return a;\n}\n`;
    const { code: output, map } = (await transform(code, "/project/src/a.js"))!;
    expect(map.sources).toEqual(["/project/src/a.js"]);
    expect(map.sourcesContent).toEqual([code]);
    // One group of mappings per output line (the output has as many lines as the input).
    expect(map.mappings.split(";")).toHaveLength(output.split("\n").length);
  });
});

describe("CachephantBuildError", () => {
  const code = `export function load(url) {\n  "use cache";\n  return url;\n}\n`;

  async function buildError(): Promise<CachephantBuildError> {
    try {
      await transform(code, "src/load.js");
    } catch (error) {
      return error as CachephantBuildError;
    }
    throw new Error("expected a build error");
  }

  test("carries a stable code, the location, the frame and the fix", async () => {
    const error = await buildError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CachephantBuildError);
    expect(error.name).toBe("CachephantBuildError");
    expect(error.code).toBe("CACHEPHANT_NOT_ASYNC");
    expect(error.loc).toEqual({ file: "src/load.js", line: 1, column: 7 });
    expect(error.frame).toContain("> 1 | export function load(url) {");
    expect(error.hint).toMatch(/^make the function async/);
    expect(error.reason).toBe('"use cache" needs an async function, but `load` is not async');
  });

  test("reads `file:line:column: reason`, the frame, and `Fix: hint`, with a 1-based column", async () => {
    const error = await buildError();
    expect(error.message).toBe(`src/load.js:1:8: ${error.reason}\n\n${error.frame}\n\nFix: ${error.hint}`);
  });
});

describe("near-miss directives", () => {
  const at = (directive: string) => `const x = 1;\nexport async function load(a) {\n  ${directive};\n  return a;\n}\n`;

  test.each([
    ['"use cahce"', "use cache", "is not cached"],
    ['"use  cache"', "use cache", "is not cached"],
    ['"use-cache"', "use cache", "is not cached"],
    ['"Use Cache"', "use cache", "is not cached"],
    ['"use cach: ttl=1h"', "use cache: ttl=1h", "is not cached"],
    ['"use cache:"', "use cache", "none follow"],
  ])("%s is a warning naming file:line:column and the intended spelling", async (directive, intended, effect) => {
    const result = await transform(at(directive), "/project/src/load.js", { root: "/project" });
    expect(result).not.toBeNull();
    expect(result!.warnings).toEqual([
      {
        code: "CACHEPHANT_NEAR_MISS_DIRECTIVE",
        line: 3,
        column: 2,
        message: expect.stringMatching(new RegExp(`^/project/src/load\\.js:3:3: .*${effect}.*Write "${intended}"\\.$`)),
        text: expect.stringMatching(
          new RegExp(
            `^${directive.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} looks like .*${effect}.*Write "${intended}"\\.$`,
          ),
        ),
        file: "/project/src/load.js",
        frame: expect.stringContaining(`> 3 |   ${directive};`),
      },
    ]);
    expect(result!.warnings[0]!.message).toContain(directive);
  });

  test("a misspelled directive leaves the module unchanged and caches nothing", async () => {
    const code = at('"use cahce"');
    const result = (await transform(code, "/project/src/load.js", { root: "/project" }))!;
    expect(result.code).toBe(code);
    expect(result.functions).toEqual([]);
  });

  test('"use cache:" with nothing after it still caches the function', async () => {
    const result = (await transform(at('"use cache:"'), "/project/src/load.js", { root: "/project" }))!;
    expect(result.functions.map((fn) => fn.name)).toEqual(["load"]);
  });

  test("a module-level near miss is a warning too", async () => {
    const result = (await transform(`"use-cache";\nexport async function f() { return 1; }\n`, "/project/a.js"))!;
    expect(result.warnings.map((w) => [w.line, w.column])).toEqual([[1, 0]]);
    expect(result.warnings[0]!.message).toContain("this module's functions are not cached");
  });

  test.each(['"use client"', '"use server"', '"use strict"', '"use asm"', '"use cacheable-store"'])(
    "%s is no near miss",
    async (directive) => {
      expect(await transform(at(directive), "/project/src/load.js")).toBeNull();
    },
  );

  test("a module-level directive names, once, the exports it leaves out: sync functions and generators", async () => {
    const code = `"use cache";\nexport async function load() { return 1; }\nexport function parse(x) { return x; }\nexport const format = (x) => String(x);\nexport async function* rows() {}\n`;
    const result = (await transform(code, "/project/a.js"))!;
    expect(result.functions.map((fn) => fn.name)).toEqual(["load"]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ code: "CACHEPHANT_MODULE_DIRECTIVE_SKIPPED", line: 1, column: 0 });
    expect(result.warnings[0]!.text).toBe(
      '"use cache" at the top of the module caches its exported async functions only; it leaves out parse (not async), format (not async), rows (a generator). Make a function async to cache it, or move "use cache" into the functions to cache.',
    );
    // Every export async: nothing to say.
    expect(
      (await transform(`"use cache";\nexport async function load() { return 1; }\n`, "/project/a.js"))!.warnings,
    ).toEqual([]);
  });

  test("a correct directive gives no warning", async () => {
    expect((await transform(at('"use cache"'), "/project/src/load.js"))!.warnings).toEqual([]);
  });
});

describe("inputs=off", () => {
  const at = (directive: string) => `export async function load(a) {\n  "${directive}";\n  return a;\n}\n`;

  test("reaches the meta object and the code hash; inputs=on is the default", async () => {
    const off = (await transform(at("use cache: inputs=off"), "/project/src/a.js", { root: "/project" }))!;
    const on = (await transform(at("use cache: inputs=on"), "/project/src/a.js", { root: "/project" }))!;
    const plain = (await transform(at("use cache"), "/project/src/a.js", { root: "/project" }))!;
    expect(off.code).toContain("inputs: false");
    expect(plain.code).not.toContain("inputs:");
    expect(on.functions[0]!.hash).toBe(plain.functions[0]!.hash);
    expect(off.functions[0]!.hash).not.toBe(plain.functions[0]!.hash);
  });

  test("a module-level directive's inputs=off applies to every function it marks", async () => {
    const code = `"use cache: inputs=off";\nexport async function a(x) { return x; }\nexport async function b(x) { return x; }\n`;
    const result = (await transform(code, "/project/src/m.js", { root: "/project" }))!;
    expect(result.code.match(/inputs: false/g)).toHaveLength(2);
  });

  test.each(["inputs=maybe", "inputs=", "inputs=off; inputs=off"])("`%s` fails the build", async (options) => {
    const error = await transform(at(`use cache: ${options}`), "/project/src/a.js").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CachephantBuildError);
    expect((error as CachephantBuildError).code).toBe("CACHEPHANT_BAD_OPTION");
  });

  test("cached(): in the directive or the options, not both", async () => {
    const { analyzeFunctionSource } = await import("../src/standalone.js");
    expect(
      analyzeFunctionSource(`async function load(a) { "use cache: inputs=off"; return a; }`, {
        name: "load",
        file: "c.js",
      }).inputsOff,
    ).toBe(true);
    expect(
      analyzeFunctionSource(`async function load(a) { return a; }`, { name: "load", file: "c.js", inputs: false })
        .inputsOff,
    ).toBe(true);
    expect(
      analyzeFunctionSource(`async function load(a) { return a; }`, { name: "load", file: "c.js" }).inputsOff,
    ).toBe(false);
    expect(() =>
      analyzeFunctionSource(`async function load(a) { "use cache: inputs=off"; return a; }`, {
        name: "load",
        file: "c.js",
        inputs: false,
      }),
    ).toThrow(/set both/);
  });
});
