/**
 * The classes a rewritten module registers with the runtime, run for real
 * (in a fresh Node process, against a fake runtime that keeps the getters):
 * the classes a cached function names, declared in its module or imported
 * into it, and those of its own module it reaches through a helper; a module
 * whose classes it reaches through a helper there registers its own; each under
 * `<file>#<name>@<hash>`; ES modules through the runtime's `registerClasses`,
 * CommonJS straight into the registry every runtime copy shares.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { transform } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "cachephant-classes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, "runtime.mjs"),
  `export async function runCached(meta, values, fn) { return fn(...values); }
export function registerState() {}
export function registerClasses(classes) { for (const k in classes) (globalThis[Symbol.for("cachephant.classes")] ??= new Map()).set(k, classes[k]); }
`,
);
writeFileSync(join(dir, "runtime.cjs"), `exports.runCached = async (meta, values, fn) => fn(...values);\n`);
writeFileSync(
  join(dir, "point.mjs"),
  `export class Point { constructor(x) { this.x = x; } }\nexport class Unnamed {}\n`,
);

async function compile(
  name: string,
  code: string,
  runtimeModule: string,
  stateFiles?: ReadonlySet<string>,
): Promise<string> {
  const result = await transform(code, join(dir, name), { root: dir, runtimeModule, stateFiles });
  writeFileSync(join(dir, name), result!.code);
  return result!.code;
}

/** Loads the module, calls `make()`, and says which registered class each returned instance is, by id. */
function registered(module: string, load: string): Array<[string, boolean]> {
  const file = join(dir, `probe-${module}.mjs`);
  writeFileSync(
    file,
    `const mod = ${load};
    const made = await mod.make();
    const registry = globalThis[Symbol.for("cachephant.classes")] ?? new Map();
    const ids = [...registry].map(([id, getter]) => [id.replace(/@[0-9a-f]+$/, "@…"), made.some((value) => value.constructor === getter())]);
    process.stdout.write(JSON.stringify(ids));`,
  );
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8" })) as Array<[string, boolean]>;
}

test("an ES module registers the classes its cached function names or reaches in the module, by getters", async () => {
  const code = await compile(
    "shapes.mjs",
    `import { Point } from "./point.mjs";
import * as points from "./point.mjs";
class Local {}
class NotReached {}
function local() { return new Local(); }
export async function make() {
  "use cache";
  return [new Point(1), new points.Unnamed(), local()];
}
`,
    "./runtime.mjs",
  );
  // On the first line, before the classes are declared: getters, read later.
  expect(code.split("\n")[0]).toMatch(/registerClasses as __cachephant_classes .* __cachephant_classes\(\{ /);
  expect(registered("shapes", `await import("./shapes.mjs")`)).toEqual([
    ["point.mjs#Point@…", true],
    ["point.mjs#Unnamed@…", true],
    ["shapes.mjs#Local@…", true],
  ]);
});

test("a class of another module reached only through its helper: that module is rewritten to register its classes, under the ids a module naming them uses", async () => {
  const parse = `export class Sample { constructor(v) { this.v = v; } twice() { return 2 * this.v; } }
class Unexported { constructor() { this.u = 1; } }
export function parseSamples(text) { return text.split(",").map((v) => new Sample(Number(v))); }
export function hiddenOne() { return new Unexported(); }
`;
  writeFileSync(join(dir, "parse.mjs"), parse);
  const reader = await transform(
    `import { parseSamples, hiddenOne } from "./parse.mjs";
export async function make() {
  "use cache";
  return [...parseSamples("1,2"), hiddenOne()];
}
`,
    join(dir, "samples.mjs"),
    { root: dir, runtimeModule: "./runtime.mjs" },
  );
  // The reading module names neither class: it registers none, and says which module must.
  expect(reader!.code).not.toMatch(/registerClasses/);
  expect(reader!.stateFiles).toEqual([join(dir, "parse.mjs")]);
  writeFileSync(join(dir, "samples.mjs"), reader!.code);
  // Without the rewrite (a build that did not know), the classes stay unknown.
  expect(registered("samples-bare", `await import("./samples.mjs")`)).toEqual([]);

  const rewritten = await compile("parse.mjs", parse, "./runtime.mjs", new Set([join(dir, "parse.mjs")]));
  expect(rewritten.split("\n")[0]).toMatch(/registerClasses as __cachephant_classes .* __cachephant_classes\(\{ /);
  expect(registered("samples", `await import("./samples.mjs")`)).toEqual([
    ["parse.mjs#Sample@…", true],
    ["parse.mjs#Unexported@…", true],
  ]);
  // A module that names Sample registers the very same id.
  const naming = await transform(
    `import { Sample } from "./parse.mjs";\nexport async function make() { "use cache"; return [new Sample(1)]; }\n`,
    join(dir, "naming.mjs"),
    { root: dir, runtimeModule: "./runtime.mjs" },
  );
  const id = (code: string) => /"(parse\.mjs#Sample@[0-9a-f]+)"/.exec(code)![1];
  expect(id(naming!.code)).toBe(id(rewritten));
});

test("a CommonJS module registers into the shared registry without loading the runtime", async () => {
  await compile(
    "shapes.cjs",
    `"use strict";
class Point { constructor(x) { this.x = x; } }
async function make() {
  "use cache";
  return [new Point(1)];
}
module.exports = { make };
`,
    "./runtime.cjs",
  );
  expect(
    registered("shapes-cjs", `(await import("node:module")).createRequire(import.meta.url)("./shapes.cjs")`),
  ).toEqual([["shapes.cjs#Point@…", true]]);
});

test("a class's id changes with its code", async () => {
  const idOf = async (body: string) => {
    writeFileSync(join(dir, "edited.mjs"), `export class Edited { ${body} }\n`);
    const code = await compile(
      "uses-edited.mjs",
      `import { Edited } from "./edited.mjs";\nexport async function make() { "use cache"; return [new Edited()]; }\n`,
      "./runtime.mjs",
    );
    return /"(edited\.mjs#Edited@[0-9a-f]+)"/.exec(code)![1];
  };
  const before = await idOf("size() { return 1; }");
  expect(await idOf("size() { return 1; }")).toBe(before);
  expect(await idOf("size() { return 2; }")).not.toBe(before);
});
