// State that changes after load (keyed by value at call time), code that runs
// at load (folded into the hash of the bindings it touches), what the build
// cannot know (warnings), and the build plan that finds state files early.
import { afterAll, describe, expect, test } from "vitest";
import { createModuleGraph, planBuild, transform } from "../src/index.js";
import { TempProject } from "./helpers/project.js";

const projects: TempProject[] = [];
afterAll(() => projects.forEach((project) => project.remove()));

const ENTRY = `import { read } from "./h";
export async function f(x: number) {
  "use cache";
  return read(x);
}
`;

/** The state `f` reaches when `h.ts` holds `helpers`. */
async function stateOf(helpers: string): Promise<Array<[string, string]>> {
  const project = new TempProject({ "src/entry.ts": ENTRY, "src/h.ts": helpers });
  projects.push(project);
  const result = await project.transform("src/entry.ts");
  return result.functions[0]!.state;
}

describe("which module bindings change after load", () => {
  test.each([
    [
      "a `let` a setter reassigns",
      `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport function read(x: number) { return mode + x; }`,
      ["mode"],
    ],
    [
      "an object a function mutates",
      `const config = { unit: "m" };\nexport function configure(u: string) { config.unit = u; }\nexport function read(x: number) { return x + config.unit; }`,
      ["config"],
    ],
    [
      "an array a function pushes to",
      `const list: number[] = [];\nexport function add(v: number) { list.push(v); }\nexport function read(x: number) { return x + list.length; }`,
      ["list"],
    ],
    [
      "a Map a function sets",
      `const m = new Map();\nexport function put(v: number) { m.set("k", v); }\nexport function read(x: number) { return x + m.get("k"); }`,
      ["m"],
    ],
    [
      "an object a function `Object.assign`s to",
      `const o = { a: 1 };\nexport function put(v: number) { Object.assign(o, { a: v }); }\nexport function read(x: number) { return x + o.a; }`,
      ["o"],
    ],
    [
      "an object a function deletes from",
      `const o: any = { a: 1 };\nexport function drop() { delete o.a; }\nexport function read(x: number) { return x + (o.a ?? 0); }`,
      ["o"],
    ],
    [
      "a class static a function assigns",
      `class C { static rate = 1; }\nexport function setRate(r: number) { C.rate = r; }\nexport function read(x: number) { return x * C.rate; }`,
      ["C"],
    ],
    [
      "an exported object, without a view of the project (any importer may mutate it)",
      `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }`,
      ["shared"],
    ],
    [
      "an object passed to a call the analysis cannot follow",
      `const o = { n: 1 };\nexternalCall(o);\nexport function read(x: number) { return x + o.n; }\ndeclare function externalCall(o: object): void;`,
      ["o"],
    ],
    [
      "an array whose elements a `forEach` callback changes",
      `const rows = [{ n: 1 }];\nexport function bump() { rows.forEach((row) => { row.n++; }); }\nexport function read(x: number) { return x + rows[0]!.n; }`,
      ["rows"],
    ],
    [
      "an array whose elements a `map` callback hands to a call the analysis cannot follow",
      `const rows = [{ n: 1 }];\nexport function keep() { rows.map((row) => externalCall(row)); }\nexport function read(x: number) { return x + rows[0]!.n; }\ndeclare function externalCall(o: object): void;`,
      ["rows"],
    ],
    [
      "an array whose elements go to a callback that is not a function literal",
      `const rows = [{ n: 1 }];\nexport function bump(f: (row: { n: number }) => void) { rows.forEach(f); }\nexport function read(x: number) { return x + rows[0]!.n; }`,
      ["rows"],
    ],
  ])("%s counts by value", async (_, helpers, names) => {
    expect((await stateOf(helpers)).map(([, name]) => name)).toEqual(names);
  });

  test.each([
    ["a `const` primitive", `const RATE = 3;\nexport function read(x: number) { return x * RATE; }`],
    [
      "a `const` object only read",
      `const TABLE = { a: 1, b: [1, 2] };\nexport function read(x: number) { return x + TABLE.a + TABLE.b.map((n) => n).length + Object.keys(TABLE).length; }`,
    ],
    [
      "a `let` assigned only at load",
      `let impl: (x: number) => number;\nimpl = (x) => x * 2;\nexport function read(x: number) { return impl(x); }`,
    ],
    [
      "a Map filled only at load",
      `const reg = new Map();\nreg.set("k", (x: number) => x);\nexport function read(x: number) { return reg.get("k")(x); }`,
    ],
    [
      "a class whose static methods are called",
      `class C { static twice(x: number) { return x * 2; } }\nexport function read(x: number) { return C.twice(x); }`,
    ],
    [
      "a function passed as a callback",
      `function double(x: number) { return x * 2; }\nexport function read(x: number) { return [x].map(double)[0]; }`,
    ],
    [
      "an array whose callbacks only read or return its elements",
      `const ROWS = [{ n: 1 }];\nexport function read(x: number) { return x + ROWS.map((row) => row.n).filter(Boolean).length + ROWS.filter((row) => row.n > x).length + ROWS.reduce((sum, row) => sum + row.n, 0) + ROWS.find(function (row) { return row; })!.n; }`,
    ],
  ])("%s counts by code only (no run-time cost)", async (_, helpers) => {
    expect(await stateOf(helpers)).toEqual([]);
  });

  test("the state is named by its file relative to the root, and the module holding it is a state file", async () => {
    const project = new TempProject({
      "src/entry.ts": ENTRY,
      "src/h.ts": `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport function read(x: number) { return mode + x; }`,
    });
    projects.push(project);
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.state).toEqual([["src/h.ts", "mode"]]);
    expect(result.stateFiles).toEqual([project.path("src/h.ts")]);
    expect(result.code).toContain('state: [["src/h.ts", "mode"]]');
    // The state module itself: the registration runs first, on the first line, no line added.
    const helpers = project.read("src/h.ts");
    const rewritten = await transform(helpers, project.path("src/h.ts"), {
      root: project.dir,
      stateFiles: new Set(result.stateFiles),
    });
    expect(rewritten!.code.split("\n").length).toBe(helpers.split("\n").length);
    expect(rewritten!.code.split("\n")[0]).toBe(
      'import { registerState as __cachephant_state } from "@cachephant/runtime"; __cachephant_state("src/h.ts", { "mode": () => mode, "read": () => read, "setMode": () => setMode }); let mode = "a";',
    );
    // Not a state file of this build: left alone.
    expect(await transform(helpers, project.path("src/h.ts"), { root: project.dir })).toBeNull();
  });

  test("an exported changing binding is registered by its own module: the reader adds no import (SPEC: the rewrite never changes when a module runs)", async () => {
    const project = new TempProject({
      "src/entry.ts": ENTRY,
      "src/h.ts": `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }`,
    });
    projects.push(project);
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.state).toEqual([["src/h.ts", "shared"]]);
    expect(result.stateFiles).toEqual([project.path("src/h.ts")]);
    expect(result.code.split("\n")[0]).toBe(
      'import { runCached as __cachephant_run } from "@cachephant/runtime"; import { read } from "./h";',
    );
    expect(result.code).not.toContain("__cachephant_state");
    const helpers = project.read("src/h.ts");
    const rewritten = await transform(helpers, project.path("src/h.ts"), {
      root: project.dir,
      stateFiles: new Set(result.stateFiles),
    });
    expect(rewritten!.code.split("\n")[0]).toBe(
      'import { registerState as __cachephant_state } from "@cachephant/runtime"; __cachephant_state("src/h.ts", { "read": () => read, "shared": () => shared }); export const shared = { n: 1 };',
    );
  });

  test("a module reached only through `import()` gets no static import: it registers itself when that `import()` loads it", async () => {
    const entry = `export async function f(x: number) {\n  "use cache";\n  const { scale } = await import("./late.js");\n  return scale(x);\n}\n`;
    const late = `globalThis.log?.push("late");\nexport let factor = 2;\nexport function setFactor(f: number) { factor = f; }\nexport function scale(x: number) { return x * factor; }\n`;
    const project = new TempProject({ "src/entry.ts": entry, "src/late.ts": late });
    projects.push(project);
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.state).toEqual([["src/late.ts", "factor"]]);
    expect(result.stateFiles).toEqual([project.path("src/late.ts")]);
    // No import of any kind added: only the runtime's.
    expect(result.code.match(/\bimport\b[^(]/g)).toEqual(["import "]);
    expect(result.code).toContain('await import("./late.js")');
    expect(result.code).not.toContain("stateAhead");
    // Told that the build rewrites late.ts before any module runs, the meta says so.
    const ahead = await project.transform("src/entry.ts", { registeredAhead: new Set([project.path("src/late.ts")]) });
    expect(ahead.code).toContain('state: [["src/late.ts", "factor"]], stateAhead: true');
    // Another module in the set does not vouch for late.ts.
    const other = await project.transform("src/entry.ts", { registeredAhead: new Set([project.path("src/other.ts")]) });
    expect(other.code).not.toContain("stateAhead");
  });

  test("a function whose state is only its own module's says `stateAhead`: its module registers first thing", async () => {
    const project = new TempProject({
      "src/entry.ts": `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport async function f(x: number) {\n  "use cache";\n  return mode + x;\n}\n`,
    });
    projects.push(project);
    const result = await project.transform("src/entry.ts");
    expect(result.code).toContain('state: [["src/entry.ts", "mode"]], stateAhead: true');
  });

  test("a binding exported only by `export default <name>` (a value, not a live binding) needs the declaring module's own registration", async () => {
    const project = new TempProject({
      "src/entry.ts": ENTRY,
      "src/h.ts": `const config = { n: 1 };\nexport function configure(n: number) { config.n = n; }\nexport function read(x: number) { return x + config.n; }\nexport default config;`,
    });
    projects.push(project);
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.state).toEqual([["src/h.ts", "config"]]);
    expect(result.stateFiles).toEqual([project.path("src/h.ts")]);
    expect(result.code).not.toContain("__cachephant_state_0");
  });

  test("a CommonJS reader needs the declaring module's own registration (it has no live bindings)", async () => {
    const project = new TempProject({
      "src/reader.cjs": `const { read } = require("./shared.cjs");\nexports.g = async function g(x) {\n  "use cache";\n  return read(x);\n};\n`,
      "src/shared.cjs": `let mode = "a";\nexports.setMode = (m) => { mode = m; };\nexports.read = (x) => mode + x;\n`,
    });
    projects.push(project);
    const result = await project.transform("src/reader.cjs");
    expect(result.functions[0]!.state).toEqual([["src/shared.cjs", "mode"]]);
    expect(result.stateFiles).toEqual([project.path("src/shared.cjs")]);
    expect(result.code).not.toContain("import {");
  });

  test("a CommonJS state module registers its getters in the registry every runtime copy shares, without loading the runtime", async () => {
    const code = `let mode = "a";\nfunction setMode(m) { mode = m; }\nmodule.exports = { setMode, read: () => mode };\n`;
    const result = await transform(code, "/p/h.cjs", { root: "/p", stateFiles: new Set(["/p/h.cjs"]) });
    expect(result!.code).not.toMatch(/require\(|import\(/);
    const module = { exports: {} as { setMode(m: string): void } };
    new Function("module", "exports", result!.code)(module, module.exports);
    const registry = (globalThis as Record<symbol, Map<string, Record<string, () => unknown>>>)[
      Symbol.for("cachephant.state")
    ]!;
    const getters = registry.get("h.cjs")!;
    expect(getters.mode!()).toBe("a");
    module.exports.setMode("b");
    expect(getters.mode!()).toBe("b");
    registry.delete("h.cjs");
  });
});

describe("module data made at load from a run-time input counts by value, however a helper reads it", () => {
  test.each([
    [
      "a file parsed at load, read in a template literal",
      `import { readFileSync } from "node:fs";\nconst cfg = JSON.parse(readFileSync("cfg.json", "utf8"));\nexport function read(x: number) { return \`\${x} \${cfg.unit}\`; }`,
      ["cfg"],
    ],
    [
      "an environment variable with a default, compared",
      `const UNIT = process.env.UNIT ?? "m";\nexport function read(x: number) { return UNIT === "km" ? x * 1000 : x; }`,
      ["UNIT"],
    ],
    [
      "destructured from process.env",
      `const { UNIT = "m" } = process.env;\nexport function read(x: number) { return x + UNIT; }`,
      ["UNIT"],
    ],
    [
      "a function of Node's own modules",
      `import os from "node:os";\nconst host = os.hostname();\nexport function read(x: number) { return host + x; }`,
      ["host"],
    ],
    [
      "a package's client given an environment variable",
      `import { createClient } from "some-sdk";\nconst client = createClient({ baseURL: process.env.API });\nexport function read(x: number) { return x + client.url; }`,
      ["client"],
    ],
    [
      "a function of the module, called at load, that reads a file",
      `import { readFileSync } from "node:fs";\nfunction load() { const text = readFileSync("cfg.json", "utf8"); return JSON.parse(text); }\nconst cfg = load();\nexport function read(x: number) { return x + cfg.unit; }`,
      ["cfg"],
    ],
    [
      "an fs call through require",
      `const fs = require("fs");\nconst text = fs.readFileSync("a.txt", "utf8");\nexport function read(x: number) { return x + text.length; }`,
      ["text"],
    ],
    ["the clock", `const started = Date.now();\nexport function read(x: number) { return x + started; }`, ["started"]],
    ["randomness", `const salt = Math.random();\nexport function read(x: number) { return x + salt; }`, ["salt"]],
    [
      "the working directory through path.resolve",
      `import path from "node:path";\nconst out = path.resolve("out");\nexport function read(x: number) { return out + x; }`,
      ["out"],
    ],
    [
      "a value awaited at load",
      `const rate = await Promise.resolve(2);\nexport function read(x: number) { return x * rate; }`,
      ["rate"],
    ],
    [
      "a `let` assigned an environment variable at load",
      `let unit = "m";\nunit = process.env.UNIT ?? unit;\nexport function read(x: number) { return x + unit; }`,
      ["unit"],
    ],
    [
      "a `let` a load-time `if` on an environment variable assigns",
      `let impl = (x: number) => x;\nif (process.env.DOUBLE) impl = (x: number) => 2 * x;\nexport function read(x: number) { return impl(x); }`,
      ["impl"],
    ],
  ])("%s", async (_, helpers, names) => {
    expect((await stateOf(helpers)).map(([, name]) => name)).toEqual(names);
  });

  test.each([
    [
      "pure built-ins over literals",
      `const TABLE = Object.freeze(JSON.parse('{"a":1}'));\nconst NAMES = new Map([["a", Math.max(1, 2)]]);\nexport function read(x: number) { return \`\${x} \${TABLE.a} \${NAMES.get("a")}\`; }`,
    ],
    [
      "methods of module data",
      `const WORDS = "a b";\nconst UPPER = WORDS.toUpperCase().split(" ");\nconst FIRST = "x,y".split(",")[0];\nexport function read(x: number) { return x + UPPER[0] + FIRST; }`,
    ],
    [
      "where the module's code is",
      `import path from "node:path";\nimport { fileURLToPath } from "node:url";\nconst DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), "data");\nexport function read(x: number) { return DATA + x; }`,
    ],
    [
      "a JSON module through require",
      `const rows = require("./rows.json");\nexport function read(x: number) { return x + rows.length; }`,
    ],
    [
      "a typed Map of a type the module declares",
      `interface Row { n: number }\nconst byId = new Map<string, Row>([["a", { n: 1 }]]);\nexport function read(x: number) { return x + byId.get("a")!.n; }`,
    ],
    [
      "a closure a factory of the module makes from literals",
      `function make(k: number) { return (x: number) => x * k + Number(process.env.LATER ?? 0); }\nconst made = make(7);\nexport function read(x: number) { return made(x); }`,
    ],
    [
      "a factory of a package or a path alias, given literals (not looked into: docs/keys.md)",
      `import { createLogger } from "@/lib/logger";\nconst log = createLogger("db");\nexport function read(x: number) { return x + log.level; }`,
    ],
    [
      "a project function of another module (not looked into: docs/keys.md)",
      `import { loadConfig } from "./config";\nconst cfg = loadConfig();\nexport function read(x: number) { return x + cfg.unit; }`,
    ],
    [
      "a date built from numbers",
      `const EPOCH = new Date(2020, 0, 1);\nexport function read(x: number) { return x + EPOCH.getTime(); }`,
    ],
  ])("%s counts by code only", async (_, helpers) => {
    expect(await stateOf(helpers)).toEqual([]);
  });
});

test("data made from a run-time input that a helper reads is keyed once per process (it changes only in another process)", async () => {
  const project = new TempProject({
    "src/entry.ts": ENTRY,
    "src/h.ts": `import { createClient } from "some-sdk";\nconst client = createClient({ baseURL: process.env.API });\nexport function read(x: number) { return x + client.url; }`,
  });
  projects.push(project);
  const [fn] = (await project.transform("src/entry.ts")).functions;
  expect(fn!.state).toEqual([["src/h.ts", "client"]]);
  expect(fn!.unchanging).toEqual(["src/h.ts#client"]);
});

test("data made from a run-time input that the cached function reads itself is keyed as its scope, not twice", async () => {
  const project = new TempProject({
    "src/entry.ts": `const UNIT = process.env.UNIT ?? "m";\nexport async function f(x: number) {\n  "use cache";\n  return x + UNIT;\n}\n`,
  });
  projects.push(project);
  const [fn] = (await project.transform("src/entry.ts")).functions;
  expect(fn!.scope).toEqual(["UNIT"]);
  expect(fn!.state).toEqual([]);
});

describe("code that runs at load counts as the code of the bindings it touches", () => {
  const hashAfter = async (helpers: (value: string) => string, before: string, after: string) => {
    const project = new TempProject({ "src/entry.ts": ENTRY, "src/h.ts": helpers(before) });
    projects.push(project);
    const first = (await project.hashes("src/entry.ts")).f;
    project.write("src/h.ts", helpers(after));
    const second = (await project.hashes("src/entry.ts")).f;
    project.write("src/h.ts", `${helpers(before)}\nexport function unrelated() { return 1; }\n`);
    const unrelated = (await project.hashes("src/entry.ts")).f;
    return { first, second, unrelated };
  };

  test.each([
    [
      "a reassignment",
      (v: string) =>
        `let impl: (x: number) => number;\nimpl = (x) => x * ${v};\nexport function read(x: number) { return impl(x); }`,
    ],
    [
      "a static assigned after the class",
      (v: string) =>
        `class Config {}\n(Config as any).rate = ${v};\nexport function read(x: number) { return x * (Config as any).rate; }`,
    ],
    [
      "a prototype method",
      (v: string) =>
        `function P(this: any) {}\nP.prototype.m = function (x: number) { return x * ${v}; };\nexport function read(x: number) { return new (P as any)().m(x); }`,
    ],
    [
      "`Object.assign` into a const object",
      (v: string) =>
        `export const fns: any = {};\nObject.assign(fns, { g: (x: number) => x + ${v} });\nexport function read(x: number) { return fns.g(x); }`,
    ],
    [
      "`registry.set` into a Map",
      (v: string) =>
        `const registry = new Map();\nregistry.set("k", (x: number) => x * ${v});\nexport function read(x: number) { return registry.get("k")(x); }`,
    ],
    [
      "`push` into an array",
      (v: string) =>
        `const list: number[] = [];\nlist.push(${v});\nexport function read(x: number) { return x + list[0]!; }`,
    ],
  ])("%s", async (_, helpers) => {
    const { first, second, unrelated } = await hashAfter(helpers, "2", "200");
    expect(second).not.toBe(first);
    expect(unrelated).toBe(first);
  });

  test("what the load-time code calls is reached too", async () => {
    const helpers = (v: string) =>
      `function scale(x: number) { return x * ${v}; }\nconst fns: any = {};\nObject.assign(fns, { g: (x: number) => scale(x) });\nexport function read(x: number) { return fns.g(x); }`;
    const { first, second } = await hashAfter(helpers, "2", "3");
    expect(second).not.toBe(first);
  });
});

describe("what the build cannot know is said", () => {
  const warningsFor = async (helpers: string, entry = ENTRY) => {
    const project = new TempProject({ "src/entry.ts": entry, "src/h.ts": helpers });
    projects.push(project);
    return (await project.transform("src/entry.ts")).warnings.map((warning) => warning.message);
  };

  test.each([
    ["eval", `export function read(x: number) { return eval("x * 2"); }`, "src/h.ts:1: eval"],
    [
      "new Function",
      `const g = new Function("x", "return x * 2");\nexport function read(x: number) { return g(x); }`,
      "src/h.ts:1: new Function",
    ],
    [
      "import() of a computed specifier",
      `export async function read(name: string) { return (await import("./plugins/" + name)).default; }`,
      "src/h.ts:1: import() of a computed specifier",
    ],
    [
      "require() of a computed specifier",
      `export function read(name: string) { return require(\`./plugins/\${name}\`); }`,
      "src/h.ts:1: require() of a computed specifier",
    ],
    [
      "a write to a global a helper reads",
      `(globalThis as any).factor = 2;\nexport function read(x: number) { return x * (factor as number); }`,
      "src/h.ts:1: write to global factor",
    ],
  ])("%s in a reached helper: file, line, construct and the function", async (_, helpers, start) => {
    const warnings = await warningsFor(helpers);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*cached results of f \\(src/entry\\.ts:2\\)`),
    );
  });

  test("computed access into a namespace", async () => {
    const entry = `import * as h from "./h";\nexport async function f(k: string) {\n  "use cache";\n  return (h as any)[k](1);\n}\n`;
    const warnings = await warningsFor(`export function read(x: number) { return x; }`, entry);
    expect(warnings).toEqual([expect.stringMatching(/^src\/entry\.ts:4: computed access into namespace h: /)]);
  });

  test("a global read through globalThis that another reached module writes", async () => {
    const entry = `import { read } from "./h";\nimport "./setup";\nexport async function f(x: number) {\n  "use cache";\n  return read(x) + (globalThis as any).offset;\n}\n`;
    const project = new TempProject({
      "src/entry.ts": entry,
      "src/h.ts": `(globalThis as any).offset = 1;\nexport function read(x: number) { return x; }`,
    });
    projects.push(project);
    const warnings = (await project.transform("src/entry.ts")).warnings.map((warning) => warning.message);
    expect(warnings).toEqual([expect.stringMatching(/^src\/h\.ts:1: write to global offset: /)]);
  });

  test("import() and require() of a literal specifier say nothing: the module counts in the hash", async () => {
    expect(
      await warningsFor(
        `export async function read(x: number) { return (await import("./other")).f(x) + require(\`./more\`).g(x); }`,
      ),
    ).toEqual([]);
  });

  test("eval in code the function never reaches says nothing", async () => {
    expect(
      await warningsFor(`export function read(x: number) { return x; }\nexport function other() { return eval("1"); }`),
    ).toEqual([]);
  });
});

describe("exported data counts by value only when another module of the project mutates it", () => {
  const H = `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }\n`;

  /** The state `f` reaches when the project holds `files` besides the entry, seen as a whole project. */
  async function stateWith(
    files: Record<string, string>,
    helpers = H,
  ): Promise<{ state: string[]; outside: string[] }> {
    const project = new TempProject({ "src/entry.ts": ENTRY, "src/h.ts": helpers, ...files });
    projects.push(project);
    const all = ["src/entry.ts", "src/h.ts", ...Object.keys(files)].map((file) => project.path(file));
    const result = await project.transform("src/entry.ts", { graph: createModuleGraph({ projectFiles: () => all }) });
    return { state: result.functions[0]!.state.map(([, name]) => name), outside: result.outsideNames };
  }

  test("an exported object no module mutates counts by its code (no registration, nothing read per call)", async () => {
    const { state, outside } = await stateWith({
      "src/reader.ts": `import { shared } from "./h";\nexport const total = () => shared.n + 1;\nconsole.log(shared.n, JSON.stringify(shared));\n`,
    });
    expect(state).toEqual([]);
    // `read` too: an exported function another module could mutate.
    expect(outside).toEqual(["read", "shared"]);
  });

  test("`const x = {…}; export { x }` is exported data too: unmutated, it counts by its code", async () => {
    expect(
      (
        await stateWith(
          {},
          `const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }\nexport { shared };\n`,
        )
      ).state,
    ).toEqual([]);
  });

  test.each([
    ["an importer assigns a property", `import { shared } from "./h";\nexport function bump() { shared.n = 2; }\n`],
    [
      "an importer renames the import and mutates it",
      `import { shared as s } from "./h";\nexport function bump() { s.n++; }\n`,
    ],
    [
      "an importer passes it to a function the analysis cannot follow",
      `import { shared } from "./h";\nimport { save } from "./save";\nsave(shared);\n`,
    ],
    [
      "an importer mutates it through a namespace import",
      `import * as h from "./h";\nexport function bump() { h.shared.n = 3; }\n`,
    ],
    [
      "a namespace import escapes as a whole",
      `import * as h from "./h";\nimport { patch } from "./save";\npatch(h);\n`,
    ],
    [
      "a required module escapes as a whole",
      `const h = require("./h");\nmodule.exports = () => Object.assign(h.shared, { n: 4 });\n`,
    ],
    [
      "a dynamically imported module object is passed on",
      `import { patch } from "./save";\nexport async function load() { const h = await import("./h"); patch(h); }\n`,
    ],
    [
      "a dynamic import's promise is handed on",
      `import { lazy } from "./save";\nexport const page = lazy(() => import("./h"));\n`,
    ],
    [
      "a module object of a computed specifier escapes",
      `export async function load(name: string) { return import(name); }\n`,
    ],
  ])("%s: it counts by value", async (_, mutator) => {
    expect((await stateWith({ "src/mutator.ts": mutator })).state).toEqual(["shared"]);
  });

  test("a component file (which the build cannot parse) that names it makes it count by value", async () => {
    const vue = `<script setup lang="ts">\nimport { shared } from "./h";\nshared.n = 2;\n</script>\n`;
    expect((await stateWith({ "src/App.vue": vue })).state).toEqual(["shared"]);
  });

  test("module objects of other modules, or only read, leave it counted by its code", async () => {
    const { state } = await stateWith({
      "src/other.ts": `export const other = { n: 2 };\n`,
      "src/lazy.ts": [
        `import { lazy } from "./save";`,
        `export const page = lazy(() => import("./other"));`,
        `export async function load() { const { shared } = await import("./h"); return shared.n * 2; }`,
        `export async function reload() { const h = await import("./h"); return h.shared.n + Object.keys(h).length; }`,
        `await import("./h");`,
        ``,
      ].join("\n"),
      "src/save.ts": `export const lazy = (f: unknown) => f;\n`,
    });
    expect(state).toEqual([]);
  });

  test("a barrel that renames the export is followed to the module that mutates it", async () => {
    const { state, outside } = await stateWith({
      "src/barrel.ts": `export { shared as settings } from "./h";\n`,
      "src/app.ts": `import { settings } from "./barrel";\nexport function configure() { settings.n = 9; }\n`,
    });
    expect(state).toEqual(["shared"]);
    expect(outside).toEqual(["read", "settings", "shared"]);
  });
});

describe("planBuild", () => {
  test("finds directive files and the state files they need, before any module is loaded", async () => {
    const project = new TempProject({
      "src/entry.ts": ENTRY,
      "src/h.ts": `let mode = "a";\nexport function setMode(m: string) { mode = m; }\nexport function read(x: number) { return mode + x; }`,
      "src/unrelated.ts": `let n = 0;\nexport function bump() { n++; }\n`,
      "src/excluded.ts": `export async function g() { "use cache"; return 1; }\n`,
    });
    projects.push(project);
    const files = ["src/entry.ts", "src/h.ts", "src/unrelated.ts", "src/excluded.ts"].map((file) => project.path(file));
    const plan = await planBuild({ root: project.dir, files, include: (file) => !file.endsWith("excluded.ts") });
    expect([...plan.directiveFiles]).toEqual([project.path("src/entry.ts")]);
    expect([...plan.stateFiles]).toEqual([project.path("src/h.ts")]);
    expect([...plan.files].sort()).toEqual([project.path("src/entry.ts"), project.path("src/h.ts")]);
  });
});

describe("state a function only writes is not in its key", () => {
  test("a counter or log a helper only writes (as statements) does not key the call", async () => {
    const helpers = `export const runs: Record<string, number> = {};
const log: string[] = [];
let calls = 0;
export function countRun(name: string) { runs[name] = (runs[name] ?? 0) + 1; log.push(name); calls++; }
export function read(x: number) { countRun("read"); return x; }`;
    expect(await stateOf(helpers)).toEqual([]);
  });

  test("the same binding read by a reached helper is in the key", async () => {
    const helpers = `const log: string[] = [];
export function note(name: string) { log.push(name); }
export function read(x: number) { note("read"); return x + log.length; }`;
    expect(await stateOf(helpers)).toEqual([["src/h.ts", "log"]]);
  });

  test("a mutation whose value is used reads it", async () => {
    const helpers = `const log: string[] = [];
export function read(x: number) { return x + log.push("x"); }`;
    expect(await stateOf(helpers)).toEqual([["src/h.ts", "log"]]);
  });
});

describe("a helper module that cannot be analysed", () => {
  test("counts by its whole content, with one build warning naming it", async () => {
    const project = new TempProject({
      "src/entry.ts": ENTRY,
      "src/h.ts": `export function read(x: number) { return x * 1 +; }\n`,
    });
    projects.push(project);
    const first = await project.transform("src/entry.ts");
    expect(first.warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /^src\/h\.ts:1: a helper module that does not parse, so it counts by its whole content: .* f \(src\/entry\.ts:2\)/,
      ),
    ]);
    // An edit that keeps every offset still changes the hash.
    project.write("src/h.ts", `export function read(x: number) { return x * 2 +; }\n`);
    expect((await project.transform("src/entry.ts")).functions[0]!.hash).not.toBe(first.functions[0]!.hash);
  });
});

describe("a function or class another module of the project mutates counts by value (SPEC: a member assignment to an imported binding)", () => {
  // The cached function reads `Config.rate` itself, or through a helper of the declaring module.
  const READER = `import { Config } from "./config";\nexport async function f(x: number) {\n  "use cache";\n  return x * Config.rate;\n}\n`;
  const DEFAULT_READER = `import Config from "./config";\nexport async function f(x: number) {\n  "use cache";\n  return x * Config.rate;\n}\n`;
  const NAMESPACE_READER = `import * as c from "./config";\nexport async function f(x: number) {\n  "use cache";\n  return x * c.Config.rate;\n}\n`;

  async function stateWith(files: Record<string, string>, entry = READER): Promise<string[]> {
    const project = new TempProject({ "src/entry.ts": entry, ...files });
    projects.push(project);
    const all = ["src/entry.ts", ...Object.keys(files)].map((file) => project.path(file));
    const result = await project.transform("src/entry.ts", { graph: createModuleGraph({ projectFiles: () => all }) });
    return result.functions[0]!.state.map(([file, name]) => `${file}:${name}`);
  }

  test.each([
    [
      "a class static assigned at load by the importing module",
      `export class Config { static rate = 1; }\n`,
      `import { Config } from "./config";\nConfig.rate = Number(process.argv[2]);\n`,
      READER,
    ],
    [
      "a function's property assigned in a function of the importing module",
      `export function Config() {}\nConfig.rate = 1;\n`,
      `import { Config } from "./config";\nexport function setup(r: number) { Config.rate = r; }\n`,
      READER,
    ],
    [
      "a class renamed on import and `Object.assign`ed",
      `export class Config { static rate = 1; }\n`,
      `import { Config as C } from "./config";\nObject.assign(C, { rate: 2 });\n`,
      READER,
    ],
    [
      "a class mutated through a namespace import",
      `export class Config { static rate = 1; }\n`,
      `import * as c from "./config";\nc.Config.rate = 4;\n`,
      READER,
    ],
    [
      "a class read through a namespace import by the cached function",
      `export class Config { static rate = 1; }\n`,
      `import { Config } from "./config";\nConfig.rate = 4;\n`,
      NAMESPACE_READER,
    ],
    [
      "a default-exported class, mutated under another name",
      `export default class Config { static rate = 1; }\n`,
      `import Settings from "./config";\nSettings.rate = 5;\n`,
      DEFAULT_READER,
    ],
    [
      "a default-exported object binding, mutated under another name",
      `const Config = { rate: 1 };\nexport default Config;\n`,
      `import Settings from "./config.ts";\nSettings.rate = 5;\n`,
      DEFAULT_READER,
    ],
    [
      "a default-exported function, mutated by `Object.defineProperty`",
      `export default function Config() {}\n`,
      `import C from "./config";\nObject.defineProperty(C, "rate", { value: 2, enumerable: true });\n`,
      DEFAULT_READER,
    ],
    [
      "a class a helper in another module reads",
      `export class Config { static rate = 1; }\n`,
      `import { Config } from "./config";\nConfig.rate = 3;\n`,
      `import { rate } from "./reader";\nexport async function f(x: number) {\n  "use cache";\n  return x * rate();\n}\n`,
    ],
  ])("%s", async (_, config, mutator, entry) => {
    const files: Record<string, string> = { "src/config.ts": config, "src/main.ts": mutator };
    if (!entry.includes("./config"))
      files["src/reader.ts"] = `import { Config } from "./config";\nexport function rate() { return Config.rate; }\n`;
    expect(await stateWith(files, entry)).toEqual(["src/config.ts:Config"]);
  });

  test("an anonymous default-exported object a helper in another module reads, mutated by an importer: registered as `default` by its module", async () => {
    const files = {
      "src/config.ts": `export default { rate: 1 };\n`,
      // Read without passing it (or a part of it) on: a returned `Config.rate` could be an object, and would count.
      "src/reader.ts": `import Config from "./config";\nexport function rate() { return Config.rate * 1; }\n`,
      "src/main.ts": `import C from "./config";\nC.rate = 3;\n`,
    };
    const entry = `import { rate } from "./reader";\nexport async function f(x: number) {\n  "use cache";\n  return x * rate();\n}\n`;
    expect(await stateWith(files, entry)).toEqual(["src/config.ts:default"]);
    // Only read by importers: by its code.
    expect(
      await stateWith({ ...files, "src/main.ts": `import C from "./config";\nconsole.log(C.rate);\n` }, entry),
    ).toEqual([]);
    // The module names it where it exports it: same value, same time, same line.
    const project = new TempProject({ "src/config.ts": files["src/config.ts"] });
    projects.push(project);
    const rewritten = await transform(project.read("src/config.ts"), project.path("src/config.ts"), {
      root: project.dir,
      stateFiles: new Set([project.path("src/config.ts")]),
    });
    expect(rewritten!.code.split("\n")[0]).toBe(
      'import { registerState as __cachephant_state } from "@cachephant/runtime"; let __cachephant_default; __cachephant_state("src/config.ts", { "default": () => __cachephant_default }); export default (__cachephant_default = { rate: 1 });',
    );
  });

  test.each([
    ["only read and called", `import { Config } from "./config";\nconsole.log(Config.rate, new Config());\n`],
    [
      "passed as a callback",
      `import { Config } from "./config";\n[1].forEach(Config.check);\nexport const all = [Config];\n`,
    ],
    ["a default import of another module mutated", `import Config from "./other";\nConfig.rate = 2;\n`],
  ])("a class %s counts by its code", async (_, mutator) => {
    const config = `export class Config { static rate = 1; static check() { return true; } }\n`;
    const other = `export class Config { static rate = 1; }\nexport default Config;\n`;
    expect(await stateWith({ "src/config.ts": config, "src/main.ts": mutator, "src/other.ts": other })).toEqual([]);
  });

  test("a class whose static method assigns through `this` counts by value (its callers change it)", async () => {
    const config = `export class Config {\n  static rate = 1;\n  static setRate(r: number) { this.rate = r; }\n}\n`;
    expect(
      await stateWith({
        "src/config.ts": config,
        "src/main.ts": `import { Config } from "./config";\nConfig.setRate(2);\n`,
      }),
    ).toEqual(["src/config.ts:Config"]);
    // Without any caller in the project too: the analysis does not follow calls of static methods.
    expect(await stateWith({ "src/config.ts": config })).toEqual(["src/config.ts:Config"]);
    // A static method that only reads `this`, or an instance method that assigns `this.x`: by code.
    const reading = `export class Config {\n  static rate = 1;\n  static get() { return this.rate; }\n  scale = 1;\n  set(s: number) { this.scale = s; }\n}\n`;
    expect(await stateWith({ "src/config.ts": reading })).toEqual([]);
  });
});
