/**
 * The hash decides when a cached result is reused: equal for code that
 * behaves the same, different for any change of behavior. Each case goes
 * through the public `transform(...).functions[0].hash`.
 */
import { describe, expect, test } from "vitest";
import { transform } from "../src/index.js";
import { analyzeFunctions } from "../src/key/function-analysis.js";
import { FORMAT_VERSION, hashFunction } from "../src/key/hash.js";

async function hashOf(code: string, ext = "js"): Promise<string> {
  const result = await transform(code, `/project/src/file.${ext}`, { root: "/project" });
  if (!result) throw new Error(`no "use cache" function in:\n${code}`);
  if (result.functions.length !== 1) throw new Error(`expected one cached function, found ${result.functions.length}`);
  return result.functions[0]!.hash;
}

type Case = [description: string, a: string, b: string, extA?: string, extB?: string];

const SAME: Case[] = [
  [
    "comments",
    `async function f(a) { "use cache"; return a + 1; }`,
    `async function f(a) {
      // a line comment
      "use cache"; /* a block comment */
      return a /* inline */ + 1; // trailing
    }`,
  ],
  [
    "whitespace and formatting",
    `async function f(a,b){"use cache";if(a){return b}else{return [a,b]}}`,
    `async function f(a, b) {
      "use cache";

      if (a) {
        return b;
      } else {
        return [
          a,
          b,
        ];
      }
    }`,
  ],
  [
    "braces around the single statement of a branch or loop",
    `async function f(xs) { "use cache"; let s = 0; for (const x of xs) s += x; if (s) return s; else return -1; }`,
    `async function f(xs) { "use cache"; let s = 0; for (const x of xs) { s += x; } if (s) { return s; } else { return -1; } }`,
  ],
  [
    "quote style",
    `async function f() { "use cache"; return "x" + 'y'; }`,
    `async function f() { 'use cache'; return 'x' + "y"; }`,
  ],
  [
    "string escapes of the same value",
    `async function f() { "use cache"; return "A\\n"; }`,
    `async function f() { "use cache"; return "\\x41\\u000a"; }`,
  ],
  [
    "semicolons (ASI) and empty statements",
    `async function f(a) { "use cache"; const b = a; return b; }`,
    `async function f(a) {
      "use cache"
      const b = a;;
      return b
    }`,
  ],
  [
    "redundant parentheses",
    `async function f(a, b) { "use cache"; return a + b * 2; }`,
    `async function f(a, b) { "use cache"; return ((a) + (b * (2))); }`,
  ],
  [
    "number spelling: 1.0 and 1",
    `async function f() { "use cache"; return 1.0; }`,
    `async function f() { "use cache"; return 1; }`,
  ],
  [
    "number spelling: hex, exponent, separators",
    `async function f() { "use cache"; return [0x10, 1e3, 1_000_000]; }`,
    `async function f() { "use cache"; return [16, 1000, 1000000]; }`,
  ],
  [
    "bigint spelling",
    `async function f() { "use cache"; return 0x10n; }`,
    `async function f() { "use cache"; return 16n; }`,
  ],
  [
    "type annotations, return types, type parameters and arguments",
    `async function f<T extends object>(a: T, b?: number): Promise<Map<string, T>> {
      "use cache";
      const m: Map<string, T> = new Map<string, T>();
      return m;
    }`,
    `async function f(a, b) { "use cache"; const m = new Map(); return m; }`,
    "ts",
    "js",
  ],
  [
    "as, satisfies, angle-bracket casts and non-null assertions",
    `async function f(a: unknown) {
      "use cache";
      const b = a as string;
      const c = { b } satisfies object;
      return (<any>c)!.b!;
    }`,
    `async function f(a) { "use cache"; const b = a; const c = { b }; return c.b; }`,
    "ts",
    "js",
  ],
  [
    "interfaces, type aliases and declarations inside the body",
    `async function f(a: number) {
      "use cache";
      interface Point { x: number }
      type Id = string;
      declare const injected: number;
      declare function helper(): void;
      return a;
    }`,
    `async function f(a) { "use cache"; return a; }`,
    "ts",
    "js",
  ],
  [
    "a TypeScript `this` parameter and class member modifiers",
    `async function f(this: void, a: number) {
      "use cache";
      class Box { private readonly value: number = a; declare other: string; public get(): number { return this.value; } }
      return new Box().get();
    }`,
    `async function f(a) {
      "use cache";
      class Box { value = a; get() { return this.value; } }
      return new Box().get();
    }`,
    "ts",
    "js",
  ],
  [
    "renaming a parameter",
    `async function f(url) { "use cache"; return fetch(url); }`,
    `async function f(address) { "use cache"; return fetch(address); }`,
  ],
  [
    "renaming locals (variables, functions, classes, catch parameters, destructured names)",
    `async function f(a) {
      "use cache";
      const { x, y: [z] } = a;
      function helper(n) { return n * 2; }
      class K {}
      try { return helper(x) + z + new K(); } catch (error) { return error; }
    }`,
    `async function f(input) {
      "use cache";
      const { x: first, y: [second] } = input;
      function twice(value) { return value * 2; }
      class Local {}
      try { return twice(first) + second + new Local(); } catch (e) { return e; }
    }`,
  ],
  [
    "renaming a shadowing local",
    `async function f(a) { "use cache"; { const a = 1; return a; } }`,
    `async function f(a) { "use cache"; { const b = 1; return b; } }`,
  ],
  [
    "renaming a local used as a JSX component",
    `async function f(a) { "use cache"; const Item = () => null; return <Item value={a} />; }`,
    `async function f(a) { "use cache"; const Row = () => null; return <Row value={a} />; }`,
  ],
  [
    "renaming a local assigned, updated and redeclared",
    `async function f(a) { "use cache"; let n = 0; n += a; n++; for (n of [n]) {} var v; var v = n; return v; }`,
    `async function f(a) { "use cache"; let m = 0; m += a; m++; for (m of [m]) {} var w; var w = m; return w; }`,
  ],
  [
    "object shorthand",
    `async function f(a) { "use cache"; return { a }; }`,
    `async function f(a) { "use cache"; return { a: a }; }`,
  ],
  [
    "destructuring shorthand",
    `async function f(o) { "use cache"; const { a } = o; return a; }`,
    `async function f(o) { "use cache"; const { a: a } = o; return a; }`,
  ],
  [
    "quoted and bare property keys",
    `async function f() { "use cache"; return { a: 1, 2: 3 }; }`,
    `async function f() { "use cache"; return { "a": 1, "2": 3 }; }`,
  ],
  [
    "dot and bracket access with a string",
    `async function f(o) { "use cache"; return o.a; }`,
    `async function f(o) { "use cache"; return o["a"]; }`,
  ],
  [
    "JSX formatting",
    `async function f(name) { "use cache"; return <p className="x">Hello {name}</p>; }`,
    `async function f(name) {
      "use cache";
      return (
        <p className='x'>
          Hello {name}
          {/* a comment */}
        </p>
      );
    }`,
  ],
  [
    "where the function is in the file, and the rest of the file",
    `async function f(a) { "use cache"; return a; }`,
    `import { x } from "./x.js";
    const unrelated = 1;
    function other() { return x; }

    async function f(a) { "use cache"; return a; }
    export { other };`,
  ],
  [
    "the ttl",
    `async function f(a) { "use cache: ttl=1h"; return a; }`,
    `async function f(a) { "use cache"; return a; }`,
  ],
  [
    "module-level or function-level directive",
    `"use cache";\nexport async function f(a) { return a; }`,
    `export async function f(a) { "use cache"; return a; }`,
  ],
  [
    "editing a function it never reaches",
    `function other() { return 1; } async function f(a) { "use cache"; return a; }`,
    `function other() { return 2; } async function f(a) { "use cache"; return a; }`,
  ],
  [
    "comments, formatting and local names of a helper",
    `function helper(x) { const y = x * 2; return y; } async function f(a) { "use cache"; return helper(a); }`,
    `function helper(value) {
      // doubled
      const doubled = value * 2;
      return doubled;
    }
    async function f(a) { "use cache"; return helper(a); }`,
  ],
  [
    "type annotations of a helper and a type it uses",
    `type N = number; function helper(x: N): N { return x; } async function f(a) { "use cache"; return helper(a); }`,
    `type N = string; function helper(x) { return x; } async function f(a) { "use cache"; return helper(a); }`,
    "ts",
    "ts",
  ],
];

const DIFFERENT: Case[] = [
  [
    "a body edit",
    `async function f(a) { "use cache"; return a + 1; }`,
    `async function f(a) { "use cache"; return a + 2; }`,
  ],
  [
    "braces that scope a declaration",
    `async function f(a) { "use cache"; let x = 1; if (a) { let x = 2; } return x; }`,
    `async function f(a) { "use cache"; let x = 1; if (a) { x = 2; } return x; }`,
  ],
  [
    "an expression statement",
    `async function f(a, b) { "use cache"; log(a); return a; }`,
    `async function f(a, b) { "use cache"; log(b); return a; }`,
  ],
  [
    "a JSX expression",
    `async function f(a, b) { "use cache"; return <p>{a}</p>; }`,
    `async function f(a, b) { "use cache"; return <p>{b}</p>; }`,
  ],
  [
    "a JSX attribute",
    `async function f(a, b) { "use cache"; return <p x={a} />; }`,
    `async function f(a, b) { "use cache"; return <p y={a} />; }`,
  ],
  [
    "a JSX tag",
    `async function f(a) { "use cache"; return <p>{a}</p>; }`,
    `async function f(a) { "use cache"; return <div>{a}</div>; }`,
  ],
  [
    "JSX text",
    `async function f(a) { "use cache"; return <p>Hello {a}</p>; }`,
    `async function f(a) { "use cache"; return <p>Bye {a}</p>; }`,
  ],
  [
    "a cast's expression",
    `async function f(a, b) { "use cache"; return a as number; }`,
    `async function f(a, b) { "use cache"; return b as number; }`,
    "ts",
    "ts",
  ],
  [
    "a statement added",
    `async function f(a) { "use cache"; return a; }`,
    `async function f(a) { "use cache"; log(a); return a; }`,
  ],
  [
    "a parameter added",
    `async function f(a) { "use cache"; return a; }`,
    `async function f(a, b) { "use cache"; return a; }`,
  ],
  [
    "a parameter removed",
    `async function f(a, b) { "use cache"; return a; }`,
    `async function f(a) { "use cache"; return a; }`,
  ],
  [
    "parameters reordered",
    `async function f(a, b) { "use cache"; return a - b; }`,
    `async function f(b, a) { "use cache"; return a - b; }`,
  ],
  [
    "a default value",
    `async function f(a, b = 2) { "use cache"; return a + b; }`,
    `async function f(a, b = 3) { "use cache"; return a + b; }`,
  ],
  [
    "a default added",
    `async function f(a, b) { "use cache"; return a + b; }`,
    `async function f(a, b = 2) { "use cache"; return a + b; }`,
  ],
  [
    "a destructured property",
    `async function f({ a }) { "use cache"; return a; }`,
    `async function f({ b: a }) { "use cache"; return a; }`,
  ],
  [
    "destructuring order",
    `async function f({ a, b }) { "use cache"; return a - b; }`,
    `async function f({ b, a }) { "use cache"; return a - b; }`,
  ],
  [
    "object versus array pattern",
    `async function f({ 0: a }) { "use cache"; return a; }`,
    `async function f([a]) { "use cache"; return a; }`,
  ],
  [
    "a rest parameter",
    `async function f(a) { "use cache"; return a; }`,
    `async function f(...a) { "use cache"; return a; }`,
  ],
  [
    "a free identifier's name",
    `async function f(a) { "use cache"; return load(a); }`,
    `async function f(a) { "use cache"; return fetch(a); }`,
  ],
  [
    "a local renamed into a captured free name",
    `async function f(a) { "use cache"; const x = 1; return x + y; }`,
    `async function f(a) { "use cache"; const y = 1; return y + y; }`,
  ],
  [
    "a local versus a free name",
    `async function f(a) { "use cache"; const x = a; return x; }`,
    `async function f(a) { "use cache"; x = a; return x; }`,
  ],
  [
    "a string value",
    `async function f() { "use cache"; return "a"; }`,
    `async function f() { "use cache"; return "b"; }`,
  ],
  ["a number value", `async function f() { "use cache"; return 1; }`, `async function f() { "use cache"; return 2; }`],
  [
    "a number versus a string",
    `async function f() { "use cache"; return 1; }`,
    `async function f() { "use cache"; return "1"; }`,
  ],
  [
    "a number versus a bigint",
    `async function f() { "use cache"; return 1; }`,
    `async function f() { "use cache"; return 1n; }`,
  ],
  [
    "an operator",
    `async function f(a, b) { "use cache"; return a + b; }`,
    `async function f(a, b) { "use cache"; return a - b; }`,
  ],
  [
    "== versus ===",
    `async function f(a, b) { "use cache"; return a == b; }`,
    `async function f(a, b) { "use cache"; return a === b; }`,
  ],
  [
    "prefix versus postfix",
    `async function f(a) { "use cache"; return a++; }`,
    `async function f(a) { "use cache"; return ++a; }`,
  ],
  [
    "optional chaining",
    `async function f(a) { "use cache"; return a?.b; }`,
    `async function f(a) { "use cache"; return a.b; }`,
  ],
  [
    "a property name",
    `async function f(a) { "use cache"; return a.b; }`,
    `async function f(a) { "use cache"; return a.c; }`,
  ],
  [
    "computed versus named access",
    `async function f(a, b) { "use cache"; return a[b]; }`,
    `async function f(a, b) { "use cache"; return a.b; }`,
  ],
  [
    "an object key",
    `async function f(a) { "use cache"; return { x: a }; }`,
    `async function f(a) { "use cache"; return { y: a }; }`,
  ],
  [
    "a template literal",
    'async function f(a) { "use cache"; return `a${a}`; }',
    'async function f(a) { "use cache"; return `b${a}`; }',
  ],
  [
    "a tagged template's raw text",
    'async function f() { "use cache"; return String.raw`\\x41`; }',
    'async function f() { "use cache"; return String.raw`A`; }',
  ],
  [
    "regular expression flags",
    `async function f(a) { "use cache"; return /x/.test(a); }`,
    `async function f(a) { "use cache"; return /x/i.test(a); }`,
  ],
  [
    "let versus var",
    `async function f(a) { "use cache"; let b = a; return b; }`,
    `async function f(a) { "use cache"; var b = a; return b; }`,
  ],
  [
    'a "use strict" directive',
    `async function f(a) { "use cache"; return a; }`,
    `async function f(a) { "use cache"; "use strict"; return a; }`,
  ],
  [
    "a nested function's async-ness",
    `async function f(a) { "use cache"; return () => a; }`,
    `async function f(a) { "use cache"; return async () => a; }`,
  ],
  [
    "a nested function's generator-ness",
    `async function f(a) { "use cache"; return function () { return a; }; }`,
    `async function f(a) { "use cache"; return function* () { return a; }; }`,
  ],
  [
    "the function's name",
    `async function f(a) { "use cache"; return a; }`,
    `async function g(a) { "use cache"; return a; }`,
  ],
  [
    "the ignore list",
    `async function f(a, b) { "use cache"; return a; }`,
    `async function f(a, b) { "use cache: ignore=b"; return a; }`,
  ],
  [
    "which parameter is ignored",
    `async function f(a, b) { "use cache: ignore=a"; return a; }`,
    `async function f(a, b) { "use cache: ignore=b"; return a; }`,
  ],
  [
    "an enum value",
    `async function f() { "use cache"; enum E { A = 1 } return E.A; }`,
    `async function f() { "use cache"; enum E { A = 2 } return E.A; }`,
    "ts",
    "ts",
  ],
  [
    "`{ __proto__ }` versus `{ __proto__: __proto__ }`",
    `async function f(__proto__) { "use cache"; return { __proto__ }; }`,
    `async function f(__proto__) { "use cache"; return { __proto__: __proto__ }; }`,
  ],
  [
    "a same-module helper's body",
    `function helper(x) { return x + 1; } async function f(a) { "use cache"; return helper(a); }`,
    `function helper(x) { return x + 2; } async function f(a) { "use cache"; return helper(a); }`,
  ],
  [
    "a helper two calls away",
    `function inner(x) { return x * 2; } function outer(x) { return inner(x); } async function f(a) { "use cache"; return outer(a); }`,
    `function inner(x) { return x * 3; } function outer(x) { return inner(x); } async function f(a) { "use cache"; return outer(a); }`,
  ],
  [
    "a module constant it reads",
    `const RATE = 0.2; async function f(a) { "use cache"; return a * RATE; }`,
    `const RATE = 0.25; async function f(a) { "use cache"; return a * RATE; }`,
  ],
  [
    "a helper in a cycle",
    `function ping(n) { return n ? pong(n - 1) : 1; } function pong(n) { return n ? ping(n - 1) : 2; } async function f(a) { "use cache"; return ping(a); }`,
    `function ping(n) { return n ? pong(n - 1) : 1; } function pong(n) { return n ? ping(n - 1) : 3; } async function f(a) { "use cache"; return ping(a); }`,
  ],
  [
    "a class it instantiates",
    `class K { get() { return 1; } } async function f() { "use cache"; return new K().get(); }`,
    `class K { get() { return 2; } } async function f() { "use cache"; return new K().get(); }`,
  ],
];

describe("the hash stays the same for", () => {
  test.each(SAME)("%s", async (_, a, b, extA = "js", extB = extA) => {
    expect(await hashOf(a, extA)).toBe(await hashOf(b, extB));
  });
});

describe("the hash changes with", () => {
  test.each(DIFFERENT)("%s", async (_, a, b, extA = "js", extB = extA) => {
    expect(await hashOf(a, extA)).not.toBe(await hashOf(b, extB));
  });
});

describe("hashFunction", () => {
  const input = { name: "f", async: true, generator: false, ignore: [], normalized: "x" };

  test("is a 32-character hex digest", () => {
    expect(hashFunction(input)).toMatch(/^[0-9a-f]{32}$/);
  });

  test("folds dependencies in, whatever their order", () => {
    const base = hashFunction(input);
    const forward = hashFunction(
      input,
      new Map([
        ["a", "1"],
        ["b", "2"],
      ]),
    );
    const backward = hashFunction(input, { b: "2", a: "1" });
    expect(forward).toBe(backward);
    expect(forward).not.toBe(base);
    expect(hashFunction(input, { a: "1", b: "3" })).not.toBe(forward);
    expect(hashFunction(input, {})).toBe(base);
  });

  test("covers the format version", () => {
    expect(FORMAT_VERSION).toBeGreaterThanOrEqual(1);
  });
});

describe("analyzeFunctions", () => {
  test("lists the free names of each function (not locals, properties or keys)", () => {
    const analysis = analyzeFunctions(
      `import { db } from "./db.js";
      const limit = 10;
      export async function load(id, { page = 1 } = {}) {
        "use cache";
        const rows = await db.query(sql\`select\`, { limit, page });
        return rows.map((row) => format(row.value, id)).slice(0, Math.min(limit, MAX));
      }`,
      "/project/src/load.js",
    );
    const [load] = analysis!.functions;
    expect(load!.freeNames).toEqual(["MAX", "Math", "db", "format", "limit", "sql"]);
    expect(load!.hash).toBe(hashFunction(load!.hashInput));
  });

  test("returns null without a directive", () => {
    expect(analyzeFunctions(`const s = "use cache";`, "/project/a.js")).toBeNull();
  });
});
