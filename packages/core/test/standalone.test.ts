import { describe, expect, test } from "vitest";
import { transform } from "../src/index.js";
import {
  analyzeFunctionSource,
  CachephantBuildError,
  cachedCallsWithDirective,
  freeNamesOfSource,
  helperFacts,
  KNOWN_GLOBALS,
} from "../src/standalone.js";

const analyze = (source: string, name = "load") => analyzeFunctionSource(source, { name, file: "cell.js" });

describe("standalone normalization", () => {
  test.each([
    [
      "a declaration",
      `async function load(a, { b = 2 }, ...rest) { "use cache: ignore=rest"; const t = a + b; return [t, rest]; }`,
    ],
    ["an arrow", `async (path, opts = { sep: "," }) => { "use cache"; return path.split(opts.sep); }`],
  ])("hashes %s exactly as the build step hashes the same function", async (_kind, source) => {
    const module = `export const load = ${source};\n`;
    const built = await transform(module, "/project/src/cell.js", { root: "/project" });
    expect(built?.functions[0]?.name).toBe("load");
    expect(analyze(source).hash).toBe(built!.functions[0]!.hash);
  });

  test("the parameter bindings and their paths are the build step's", () => {
    const found = analyze(`async function load(a, { b = 2, c: [d] }, ...rest) {}`);
    expect(found.paths).toEqual(["args[0]", "args[1].b", "args[1].c[0]", "args[2...]"]);
    expect(found.resolve([1, { c: [4] }, 5, 6])).toEqual([1, 2, 4, [5, 6]]);
  });

  test("a default that reads an outside name or calls something keys the argument as passed", () => {
    const found = analyze(`async function load(a, b = a * 2, { c } = defaults, d = make()) {}`);
    expect(found.paths).toEqual(["args[0]", "args[1]", "args[2]", "args[3]"]);
    expect(found.resolve([1])).toEqual([1, 2, undefined, undefined]);
    expect(found.resolve([1, 5, { c: 3 }, 4])).toEqual([1, 5, { c: 3 }, 4]);
  });

  test("a default reading a parameter whose own default was not evaluated is not evaluated either", () => {
    const found = analyze(`async function load(a = outside, b = a + 1) {}`);
    expect(found.resolve([])).toEqual([undefined, undefined]);
    expect(found.resolve([1])).toEqual([1, undefined]);
    expect(found.resolve([1, 2])).toEqual([1, 2]);
  });

  test("the directive's ttl and ignore are read; the directive itself is not part of the code", () => {
    const found = analyze(`async function load(url, signal) { "use cache: ttl=2h; ignore=signal"; return url; }`);
    expect(found.ttl).toBe(7_200_000);
    expect(found.ignore).toEqual([1]);
    const plain = analyzeFunctionSource(`async function load(url, signal) { return url; }`, {
      name: "load",
      file: "cell.js",
      ttl: 5,
      ignore: ["signal"],
    });
    expect(plain.hash).toBe(found.hash);
  });

  test("helpers in uses change the hash by their normalized code", () => {
    const source = `async function load(n) { return twice(n); }`;
    const withHelper = (helper: string) =>
      analyzeFunctionSource(source, {
        name: "load",
        file: "cell.js",
        uses: new Map([["twice", helperFacts(helper, "cell.js").hash]]),
      }).hash;
    const base = withHelper(`function twice(n) { return n * 2; }`);
    expect(withHelper(`function twice(x) {\n  // doubled\n  return x * 2\n}`)).toBe(base);
    expect(withHelper(`function twice(n) { return n * 3; }`)).not.toBe(base);
    expect(withHelper(`class Twice { run(n) { return n * 2; } }`)).not.toBe(base);
    expect(analyze(source).hash).not.toBe(base);
  });

  test("source that is not a function is a parse error with a stable code", () => {
    expect(() => analyze(`class A {}`)).toThrow(expect.objectContaining({ code: "CACHEPHANT_PARSE" }));
    expect(() => analyze(`not javascript at all (`)).toThrow(expect.objectContaining({ code: "CACHEPHANT_PARSE" }));
  });

  test("finds the functions passed to cached() that start with a directive, and no others", () => {
    const code = [
      `import { cached } from "@cachephant/runtime";`,
      `const a = cached(async function a(x) { return x; });`,
      `const b = cached(`,
      `  async (x: number) => {`,
      `    "use cache: ttl=1h";`,
      `    return x;`,
      `  },`,
      `);`,
      `async function c() { "use cache"; return 1; }`,
      `const d = runtime.cached(async () => { 'use cache'; return 2; });`,
    ].join("\n");
    expect(cachedCallsWithDirective(code, "cell.ts")).toEqual([4, 10]);
    expect(cachedCallsWithDirective("not ( javascript", "cell.js")).toEqual([]);
  });
});

describe("freeNamesOfSource", () => {
  test("the names a function or class reads from outside its text, and whether a class has private members", () => {
    expect(freeNamesOfSource("(x) => x * k + Math.max(x, 0)")).toEqual({ free: ["Math", "k"], privateMembers: false });
    expect(freeNamesOfSource("function named(a) { return named(a) + arguments.length; }")).toEqual({
      free: [],
      privateMembers: false,
    });
    expect(freeNamesOfSource("() => arguments[0]").free).toEqual(["arguments"]);
    expect(freeNamesOfSource("async load(x) { return x + w; }").free).toEqual(["w"]);
    expect(freeNamesOfSource("class A extends Base { #p = 1; m() { return helper(this.#p); } }")).toEqual({
      free: ["Base", "helper"],
      privateMembers: true,
      classReads: ["helper"],
    });
    expect(() => freeNamesOfSource("function max() { [native code] }")).toThrow(CachephantBuildError);
  });

  test("what a class's body reads from outside the class: methods, getters, fields and static blocks, not its `extends` clause", () => {
    const cart = `class Cart {
      static unit = defaultUnit;
      static { registry.add(this); }
      items = seed();
      constructor(items) { this.items = items; }
      get size() { return this.items.length * factor; }
      total() { return round(this.items.reduce((s, x) => s + x, 0) * rate); }
    }`;
    expect(freeNamesOfSource(cart).classReads).toEqual(["defaultUnit", "factor", "rate", "registry", "round", "seed"]);
    // Only `this` and known globals: nothing from outside (the runtime then keys the instance by its class's text).
    expect(
      freeNamesOfSource("class Plain { total() { return Math.round(this.items.length * 100) / 100; } }").classReads,
    ).toEqual(["Math"]);
    // The class's own name, its locals and parameters, and names declared inside a method are not outside reads.
    expect(
      freeNamesOfSource("class Node { child(v) { const next = new Node(); next.v = v; return next; } }").classReads,
    ).toEqual([]);
    // The superclass is read up the prototype chain, by its own source: not an outside read of the subclass.
    expect(freeNamesOfSource("class Sub extends Base { size() { return this.n; } }")).toMatchObject({
      free: ["Base"],
      classReads: [],
    });
    expect(freeNamesOfSource("class Sub extends mixin(Base, Other) { size() { return Base.n; } }").classReads).toEqual([
      "Base",
    ]);
    // A function has no class reads.
    expect(freeNamesOfSource("(x) => x * k").classReads).toBeUndefined();
  });

  test("the known globals include the built-ins a self-contained function may read", () => {
    for (const name of ["Math", "JSON", "Number", "Array", "Object", "Promise", "console"])
      expect(KNOWN_GLOBALS.has(name)).toBe(true);
    expect(KNOWN_GLOBALS.has("require")).toBe(false);
  });
});
