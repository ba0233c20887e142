/**
 * Dependency hashing through the public `transform`: stability, the module
 * graph cache, resolution rules, scope values and `ignore`.
 */
import { mkdirSync, realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CachephantBuildError, createModuleGraph, transform, type TransformOptions } from "../src/index.js";
import { TempProject } from "./helpers/project.js";

const projects: TempProject[] = [];
afterAll(() => {
  for (const project of projects) project.remove();
});
function temp(files: Record<string, string>): TempProject {
  const project = new TempProject(files);
  projects.push(project);
  return project;
}

/** Two entries that reach each other's helpers, shared helpers and a cycle across files. */
const SHARED = {
  "src/a.ts": `
    import { shared } from "./shared";
    import { fromB } from "./b";
    export function fromA(x: number) { return shared(x) + 1; }
    export async function cachedA(x: number) { "use cache"; return fromB(x) + fromA(x); }
  `,
  "src/b.ts": `
    import { fromA } from "./a";
    import { shared, LIMIT } from "./shared";
    export function fromB(x: number): number { return x > LIMIT ? shared(x) : fromA(x + 1); }
    export async function cachedB(x: number) { "use cache"; return fromA(x) * fromB(x); }
  `,
  "src/shared.ts": `
    import { deep } from "./deep/index";
    export const LIMIT = 10;
    export function shared(x: number) { return deep(x) * 2; }
  `,
  "src/deep/index.ts": `export function deep(x: number) { return -x; }`,
};

describe("the hash is stable", () => {
  test("whatever the order modules are transformed in, and whatever the cache holds", async () => {
    const project = temp(SHARED);
    const fresh = {
      a: await project.hashes("src/a.ts"),
      b: await project.hashes("src/b.ts"),
    };
    for (const order of [
      ["src/a.ts", "src/b.ts"],
      ["src/b.ts", "src/a.ts"],
    ]) {
      const graph = createModuleGraph();
      const seen: Record<string, Record<string, string>> = {};
      for (const entry of order) seen[entry] = await project.hashes(entry, { graph });
      expect(seen["src/a.ts"]).toEqual(fresh.a);
      expect(seen["src/b.ts"]).toEqual(fresh.b);
    }
    // Concurrently, sharing one graph (a bundler transforms modules in parallel).
    const graph = createModuleGraph();
    const [a, b] = await Promise.all([project.hashes("src/a.ts", { graph }), project.hashes("src/b.ts", { graph })]);
    expect({ a, b }).toEqual(fresh);
  });

  test("after a helper changes and changes back, with the same graph", async () => {
    const project = temp(SHARED);
    const graph = createModuleGraph();
    const before = await project.hashes("src/a.ts", { graph });
    project.replace("src/deep/index.ts", "-x", "x");
    const edited = await project.hashes("src/a.ts", { graph });
    expect(edited.cachedA).not.toBe(before.cachedA);
    project.replace("src/deep/index.ts", "return x;", "return -x;");
    expect(await project.hashes("src/a.ts", { graph })).toEqual(before);
  });

  test("with a module whose transformed code is not its file's content (a query id)", async () => {
    const project = temp({
      "src/App.vue": `<script setup lang="ts">\nimport { helper } from "./helper";\n</script>\n`,
      "src/helper.ts": "export function helper() { return 1; }",
      "src/entry.ts": `import App from "./App.vue"; export async function f() { "use cache"; return App; }`,
    });
    const script = `import { helper } from "./helper";\nexport async function g() { "use cache"; return helper(); }\n`;
    const scriptId = `${project.path("src/App.vue")}?vue&type=script&setup=true&lang.ts`;
    const run = async (graph: ReturnType<typeof createModuleGraph>, order: string[]) => {
      const out: Record<string, string> = {};
      for (const which of order) {
        const result =
          which === "entry"
            ? await project.transform("src/entry.ts", { graph })
            : (await transform(script, scriptId, { root: project.dir, graph }))!;
        out[which] = result.functions[0]!.hash;
      }
      return out;
    };
    const one = await run(createModuleGraph(), ["entry", "script"]);
    const two = await run(createModuleGraph(), ["script", "entry"]);
    expect(one).toEqual(two);
    const labels = (await transform(script, scriptId, { root: project.dir }))!.functions[0]!.deps.map(
      ([label]) => label,
    );
    expect(labels).toEqual(["own code", "helper helper (src/helper.ts)"]);
    // The file as others import it: by its bytes.
    expect(await depLabels(project, "src/entry.ts")).toEqual(["own code", "file (src/App.vue)"]);
  });

  test("in another folder (absolute paths are not part of the hash)", async () => {
    const one = temp(SHARED);
    const two = temp(SHARED);
    expect(await one.hashes("src/a.ts")).toEqual(await two.hashes("src/a.ts"));
  });
});

describe("the module graph", () => {
  test("parses each helper once per content, across transforms", async () => {
    const project = temp(SHARED);
    const graph = createModuleGraph();
    await project.hashes("src/a.ts", { graph });
    await project.hashes("src/b.ts", { graph });
    // b.ts, shared.ts, deep/index.ts (a.ts was registered by its own transform, then read back unchanged).
    expect(graph.stats.parses).toBe(3);
    await project.hashes("src/a.ts", { graph });
    await project.hashes("src/b.ts", { graph });
    expect(graph.stats.parses).toBe(3); // files are read again, but nothing changed
    project.replace("src/deep/index.ts", "-x", "x + 0");
    await project.hashes("src/a.ts", { graph });
    expect(graph.stats.parses).toBe(4);
  });

  test("analyzes each module-level declaration once per graph, for every transform that reaches it", async () => {
    const project = temp(SHARED);
    const graph = createModuleGraph();
    await project.hashes("src/a.ts", { graph });
    const afterA = graph.stats.expansions;
    await project.hashes("src/b.ts", { graph });
    // b.ts reaches the same declarations: nothing new to analyze.
    expect(graph.stats.expansions).toBe(afterA);
    await project.hashes("src/a.ts", { graph });
    expect(graph.stats.expansions).toBe(afterA);
  });

  test("revalidate: false trusts the files it read until invalidate(file)", async () => {
    const project = temp(SHARED);
    const graph = createModuleGraph({ revalidate: false });
    const before = await project.hashes("src/a.ts", { graph });
    const reads = graph.stats.reads;
    await project.hashes("src/b.ts", { graph });
    expect(graph.stats.reads).toBe(reads); // b.ts was registered by its transform, every helper already read
    project.replace("src/deep/index.ts", "-x", "x");
    expect(await project.hashes("src/a.ts", { graph })).toEqual(before); // trusted: not seen
    graph.invalidate(project.path("src/deep/index.ts"));
    const after = await project.hashes("src/a.ts", { graph });
    expect(after.cachedA).not.toBe(before.cachedA);
    expect(after).toEqual(await project.hashes("src/a.ts")); // as from scratch
    expect(graph.stats.reads).toBe(reads + 1);
  });

  test("lists the project files the hashes depend on", async () => {
    const project = temp(SHARED);
    const result = await project.transform("src/a.ts");
    expect(result.dependencies).toEqual(
      ["src/b.ts", "src/deep/index.ts", "src/shared.ts"].map((file) => project.path(file)),
    );
  });

  test("invalidate() forgets resolutions: a new file is found", async () => {
    const project = temp({
      "src/entry.ts": `import { x } from "./later"; export async function f() { "use cache"; return x; }`,
    });
    const graph = createModuleGraph();
    const missing = await project.transform("src/entry.ts", { graph });
    expect(missing.functions[0]!.deps).toContainEqual(["unresolved ./later (src/entry.ts)", "unresolved"]);
    project.write("src/later.ts", "export const x = 1;");
    graph.invalidate(project.path("src/later.ts"));
    const found = await project.transform("src/entry.ts", { graph });
    expect(found.functions[0]!.deps.map(([label]) => label)).toEqual(["own code", "variable x (src/later.ts)"]);
    expect(found.dependencies).toEqual([project.path("src/later.ts")]);
  });
});

/** The labels of the deps of the entry's first function. */
async function depLabels(project: TempProject, entry: string, options: TransformOptions = {}): Promise<string[]> {
  const result = await project.transform(entry, options);
  return result.functions[0]!.deps.map(([label]) => label);
}

describe("resolution", () => {
  const entry = (specifier: string) =>
    `import { v } from ${JSON.stringify(specifier)};\nexport async function f() { "use cache"; return v; }\n`;

  test.each([
    ["./x.js to ./x.ts", "./x.js", "src/x.ts"],
    ["./x.js to ./x.tsx", "./y.js", "src/y.tsx"],
    ["./x.mjs to ./x.mts", "./m.mjs", "src/m.mts"],
    ["./x without extension", "./x", "src/x.ts"],
    ["a plain .js file", "./plain.js", "src/plain.js"],
    ["./dir to ./dir/index.ts", "./dir", "src/dir/index.ts"],
    ["../ paths", "../lib/up", "lib/up.ts"],
  ])("%s", async (_, specifier, file) => {
    const project = temp({
      "src/entry.ts": entry(specifier),
      "src/x.ts": "export const v = 1;",
      "src/y.tsx": "export const v = 2;",
      "src/m.mts": "export const v = 3;",
      "src/plain.js": "export const v = 4;",
      "src/dir/index.ts": "export const v = 5;",
      "lib/up.ts": "export const v = 6;",
    });
    expect(await depLabels(project, "src/entry.ts")).toEqual(["own code", `variable v (${file})`]);
  });

  test("the bundler's resolver first; Node-style when it returns null for a path, or throws", async () => {
    const project = temp({
      "src/entry.ts": entry("./x"),
      "src/x.ts": "export const v = 1;",
      "src/other.ts": "export const v = 2;",
    });
    const calls: Array<[string, string]> = [];
    const viaResolver = await depLabels(project, "src/entry.ts", {
      resolve: async (specifier, importer) => {
        calls.push([specifier, importer]);
        return project.path("src/other.ts");
      },
    });
    expect(viaResolver).toEqual(["own code", "variable v (src/other.ts)"]);
    expect(calls).toEqual([["./x", project.path("src/entry.ts")]]);
    expect(await depLabels(project, "src/entry.ts", { resolve: async () => null })).toEqual([
      "own code",
      "variable v (src/x.ts)",
    ]);
    expect(
      await depLabels(project, "src/entry.ts", {
        resolve: async () => {
          throw new Error("boom");
        },
      }),
    ).toEqual(["own code", "variable v (src/x.ts)"]);
  });

  test("a virtual module from the resolver is unresolved", async () => {
    const project = temp({ "src/entry.ts": entry("virtual:config") });
    expect(await depLabels(project, "src/entry.ts", { resolve: async () => "\0virtual:config" })).toEqual([
      "own code",
      "unresolved virtual:config (src/entry.ts)",
    ]);
  });

  test("a file the resolver finds inside node_modules is its package, by the nearest package.json with a name", async () => {
    const project = temp({ "src/entry.ts": entry("pkg") });
    const dir = "node_modules/.pnpm/pkg@1.2.3/node_modules/pkg";
    project.write(`${dir}/package.json`, JSON.stringify({ name: "pkg", version: "1.2.3" }));
    project.write(`${dir}/dist/package.json`, JSON.stringify({ type: "module" })); // no name: not the package's
    project.write(`${dir}/dist/index.js`, "export const v = 1;");
    const result = await project.transform("src/entry.ts", {
      resolve: async () => project.path(`${dir}/dist/index.js`),
    });
    expect(result.functions[0]!.deps).toEqual([
      ["own code", expect.any(String)],
      ["package pkg", "1.2.3"],
    ]);
    expect(result.functions[0]!.scope).toEqual([]); // packages are never scope values
    expect(result.dependencies).toEqual([]);
  });

  test("a bare name is looked up in node_modules folders above the importer, nearest first", async () => {
    const project = temp({ "packages/app/src/entry.ts": entry("pkg") });
    project.installPackage("pkg", "1.0.0");
    expect((await project.transform("packages/app/src/entry.ts")).functions[0]!.deps[1]).toEqual([
      "package pkg",
      "1.0.0",
    ]);
    project.installPackage("pkg", "2.0.0", "packages/app");
    expect((await project.transform("packages/app/src/entry.ts")).functions[0]!.deps[1]).toEqual([
      "package pkg",
      "2.0.0",
    ]);
  });

  test("a workspace or linked package (symlinked from outside node_modules) is project code: by its code, not its version", async () => {
    const project = temp({
      "app/src/entry.ts": entry("linked"),
      "app/src/sub.ts": entry("linked/extra"),
      "shared/package.json": JSON.stringify({
        name: "linked",
        version: "1.0.0",
        exports: { ".": { types: "./index.d.ts", import: "./src/index.ts" }, "./*": "./src/*.ts" },
      }),
      "shared/src/index.ts": "export const v = 1;",
      "shared/src/extra.ts": "export const v = 10;",
    });
    mkdirSync(project.path("app/node_modules"), { recursive: true });
    symlinkSync(project.path("shared"), project.path("app/node_modules/linked"), "dir");
    const before = {
      entry: await project.transform("app/src/entry.ts"),
      sub: await project.transform("app/src/sub.ts"),
    };
    expect(before.entry.functions[0]!.deps.map(([label]) => label)).toEqual([
      "own code",
      "variable v (shared/src/index.ts)",
    ]);
    expect(before.entry.dependencies).toEqual([realpathSync(project.path("shared/src/index.ts"))]);
    expect(before.sub.functions[0]!.deps.map(([label]) => label)).toEqual([
      "own code",
      "variable v (shared/src/extra.ts)",
    ]);
    // Edited without a version change: a new hash.
    project.write("shared/src/index.ts", "export const v = 2;");
    expect((await project.transform("app/src/entry.ts")).functions[0]!.hash).not.toBe(before.entry.functions[0]!.hash);
    // The bundler's resolver may keep the symlinked path (preserveSymlinks): still project code.
    const viaLink = await project.transform("app/src/entry.ts", {
      resolve: async () => project.path("app/node_modules/linked/src/index.ts"),
    });
    expect(viaLink.functions[0]!.deps.map(([label]) => label)).toEqual([
      "own code",
      "variable v (shared/src/index.ts)",
    ]);
    // `exports` read with an import's conditions first (a `require` entry listed first is passed over), else `main`.
    project.write(
      "shared/package.json",
      JSON.stringify({
        name: "linked",
        version: "1.0.0",
        exports: { require: "./src/extra.ts", import: "./src/index.ts" },
      }),
    );
    expect(await depLabels(project, "app/src/entry.ts")).toEqual(["own code", "variable v (shared/src/index.ts)"]);
    project.write("shared/package.json", JSON.stringify({ name: "linked", version: "1.0.0", main: "src/extra" }));
    expect(await depLabels(project, "app/src/entry.ts")).toEqual(["own code", "variable v (shared/src/extra.ts)"]);
    // A package installed into node_modules (pnpm's store included) stays a package.
    project.write(
      "app/node_modules/.pnpm/pkg@1.0.0/node_modules/pkg/package.json",
      JSON.stringify({ name: "pkg", version: "1.0.0", main: "index.js" }),
    );
    project.write("app/node_modules/.pnpm/pkg@1.0.0/node_modules/pkg/index.js", "export const v = 1;");
    symlinkSync(
      project.path("app/node_modules/.pnpm/pkg@1.0.0/node_modules/pkg"),
      project.path("app/node_modules/pkg"),
      "dir",
    );
    project.write("app/src/pkg.ts", entry("pkg"));
    expect((await project.transform("app/src/pkg.ts")).functions[0]!.deps[1]).toEqual(["package pkg", "1.0.0"]);
  });

  test("built-ins by name: `fs` and `node:fs` alike, whatever is installed", async () => {
    const project = temp({
      "src/a.ts": `import { readFileSync } from "fs"; export async function f() { "use cache"; return readFileSync; }`,
      "src/b.ts": `import { readFileSync } from "node:fs"; export async function f() { "use cache"; return readFileSync; }`,
    });
    expect(await depLabels(project, "src/a.ts")).toEqual(["own code", "node:fs"]);
    expect((await project.hashes("src/a.ts")).f).toBe((await project.hashes("src/b.ts")).f);
  });

  test("an ambiguous `export *` hashes every candidate", async () => {
    const project = temp({
      "src/entry.ts": entry("./barrel"),
      "src/barrel.ts": `export * from "./one"; export * from "./two";`,
      "src/one.ts": "export const v = 1;",
      "src/two.ts": "export const v = 2;",
    });
    expect(await depLabels(project, "src/entry.ts")).toEqual([
      "own code",
      "variable v (src/one.ts)",
      "variable v (src/two.ts)",
    ]);
    const before = await project.hashes("src/entry.ts");
    project.replace("src/two.ts", "2", "3");
    expect(await project.hashes("src/entry.ts")).not.toEqual(before);
  });

  test("own exports win over `export *`; a cycle of `export *` ends", async () => {
    const project = temp({
      "src/entry.ts": entry("./one"),
      "src/one.ts": `export * from "./two"; export const v = 1;`,
      "src/two.ts": `export * from "./one"; export const v = 2; export const w = 3;`,
    });
    expect(await depLabels(project, "src/entry.ts")).toEqual(["own code", "variable v (src/one.ts)"]);
  });

  test('`import("./x")` and a lazy `require("./x")` reach the whole module', async () => {
    const project = temp({
      "src/entry.ts": `
        function lazy() { return require("./lazy.cjs"); }
        export async function f() { "use cache"; const { helper } = await import("./dynamic"); return helper() + lazy().value; }
      `,
      "src/dynamic.ts": "export function helper() { return 1; }",
      "src/lazy.cjs": "module.exports = { value: 2 };",
    });
    expect(await depLabels(project, "src/entry.ts")).toEqual([
      "own code",
      "helper helper (src/dynamic.ts)",
      "helper lazy (src/entry.ts)",
      "module (src/dynamic.ts)",
      "module (src/lazy.cjs)",
    ]);
    const before = await project.hashes("src/entry.ts");
    project.replace("src/dynamic.ts", "1", "3");
    const edited = await project.hashes("src/entry.ts");
    expect(edited).not.toEqual(before);
    project.replace("src/lazy.cjs", "2", "4");
    expect(await project.hashes("src/entry.ts")).not.toEqual(edited);
  });

  test("a missing export is a token, not a failure", async () => {
    const project = temp({ "src/entry.ts": entry("./x"), "src/x.ts": "export const w = 1;" });
    expect(await depLabels(project, "src/entry.ts")).toEqual(["own code", "missing export v (src/x.ts)"]);
  });
});

describe("TypeScript", () => {
  test("enums and namespaces the function reads are hashed", async () => {
    const project = temp({
      "src/entry.ts": `
        import { Color } from "./color";
        enum Size { S = 1, M = 2 }
        namespace Units { export const px = "px"; }
        export async function f() { "use cache"; return [Color.Red, Size.M, Units.px]; }
      `,
      "src/color.ts": "export enum Color { Red = 'red', Blue = 'blue' }",
    });
    expect(await depLabels(project, "src/entry.ts")).toEqual([
      "own code",
      "enum Color (src/color.ts)",
      "enum Size (src/entry.ts)",
      "namespace Units (src/entry.ts)",
    ]);
    const before = await project.hashes("src/entry.ts");
    project.replace("src/color.ts", "'red'", "'RED'");
    expect(await project.hashes("src/entry.ts")).not.toEqual(before);
  });

  test("`declare` bindings have no value here: not tracked", async () => {
    const project = temp({
      "src/entry.ts": `declare const injected: number; export async function f() { "use cache"; return injected; }`,
    });
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.deps.map(([label]) => label)).toEqual(["own code"]);
    expect(result.functions[0]!.scope).toEqual([]);
  });
});

describe("scope: what the function captures by value", () => {
  async function scopeOf(code: string, files: Record<string, string> = {}): Promise<string[][]> {
    const project = temp({ "src/entry.ts": code, ...files });
    return (await project.transform("src/entry.ts")).functions.map((fn) => fn.scope);
  }

  test("closure variables and parameters, module variables; not functions, classes or packages", async () => {
    const scope = await scopeOf(
      `
      import fs from "node:fs";
      let count = 0;
      var legacy = 1;
      const LIMIT = 5;
      const double = (x: number) => x * 2;
      let replaceable = (x: number) => x;
      function helper() { return 1; }
      class Model {}
      export function outer(factor: number, { offset = 0 } = {}) {
        const local = factor + 1;
        try { throw 1; } catch (error) {
          for (const item of [1]) {
            return async function inner(arg: number) {
              "use cache";
              return [count, legacy, LIMIT, double(arg), replaceable(arg), helper(), new Model(), fs, factor, offset, local, error, item, inner, Math.PI];
            };
          }
        }
      }
      `,
    );
    expect(scope).toEqual([["LIMIT", "count", "error", "factor", "item", "legacy", "local", "offset", "replaceable"]]);
  });

  test("imports from project modules by value unless they are functions or classes", async () => {
    const scope = await scopeOf(
      `
      import { rate, fn, Klass, arrow, data, mutable } from "./values";
      import json from "./data.json";
      export async function f() { "use cache"; return [rate, fn, Klass, arrow, data, mutable, json]; }
      `,
      {
        "src/values.ts": `
          export const rate = 0.2;
          export function fn() {}
          export class Klass {}
          export const arrow = () => 1;
          const hidden = { a: 1 };
          export { hidden as data };
          export let mutable = [1];
        `,
        "src/data.json": `{ "a": 1 }`,
      },
    );
    expect(scope).toEqual([["data", "json", "mutable", "rate"]]);
  });

  test("data members of a namespace import, as `ns.member`", async () => {
    const scope = await scopeOf(
      `import * as config from "./config";
      export async function f() { "use cache"; return [config.rate, config["name"], config.compute()]; }`,
      { "src/config.ts": `export const rate = 1; export const name = "n"; export function compute() { return 2; }` },
    );
    expect(scope).toEqual([["config.name", "config.rate"]]);
  });

  test("closure variables a helper reads count when the function sees them", async () => {
    const scope = await scopeOf(`
      let moduleState = 0;
      export function outer(prefix: string) {
        const format = (id: string) => prefix + id + moduleState;
        return async (id: string) => { "use cache"; return format(id); };
      }
    `);
    // \`prefix\` through \`format\`; a module variable only a helper reads is keyed by its code.
    expect(scope).toEqual([["prefix"]]);
  });

  test("the meta marks closure variables of an enclosing function (values made at run time) apart from module bindings", async () => {
    const project = temp({
      "src/entry.ts": `const unit = "m";
export function makeLoader(opts) {
  const scale = opts.scale;
  const format = (x) => x + unit + scale;
  return async (x) => { "use cache"; return format(opts.transform(x)) + unit; };
}
`,
    });
    const { code } = await project.transform("src/entry.ts");
    // \`opts\` (a parameter) and \`scale\` (a local, through \`format\`) are closures; \`unit\` is a module binding.
    expect(code).toContain(`scope: ["opts", "scale", "unit"], closures: [0, 1]`);
    expect(code).toContain(`() => [opts, scale, unit]`);
  });

  test("an enclosing function's parameter counts as a parameter in the hash: two factories' functions share code, and their keys differ by the parameter's value", async () => {
    const factory = (name: string) => `export function ${name}(opts) {
  return async function load(x) { "use cache"; return opts.transform(x); };
}
`;
    const project = temp({ "src/entry.ts": factory("makeDouble") + factory("makeTriple") });
    const { code, functions } = await project.transform("src/entry.ts");
    // The same code reading the same kind of binding: one hash. What \`opts\` holds is in the key at call time
    // (a function in it by its source), so the shared hash never lets one factory's result serve the other.
    expect(functions[0]!.hash).toBe(functions[1]!.hash);
    expect(code.match(/scope: \["opts"\], closures: \[0\]/g)).toHaveLength(2);
  });

  test("an import the build cannot resolve is marked like a closure variable: its code is in no hash", async () => {
    const project = temp({
      "src/entry.ts": `import { handlers } from "./generated/handlers";\nexport async function f(x) { "use cache"; return handlers.run(x); }\n`,
    });
    const { code } = await project.transform("src/entry.ts");
    expect(code).toContain(`scope: ["handlers"], closures: [0]`);
  });

  test("a function reading only module bindings has no closures in its meta", async () => {
    const project = temp({ "src/entry.ts": `let b = 1;\nexport async function f() { "use cache"; return b; }\n` });
    const { code } = await project.transform("src/entry.ts");
    expect(code).toContain(`scope: ["b"]`);
    expect(code).not.toContain("closures");
  });

  test("the thunk reads the scope values, sorted by name", async () => {
    const project = temp({
      "src/entry.ts": `let b = 1; const a = [b];\nexport async function f() { "use cache"; return a.concat(b); }\n`,
    });
    const { code } = await project.transform("src/entry.ts");
    expect(code).toContain(`scope: ["a", "b"]`);
    expect(code).toContain(`}, () => [a, b]); }`);
  });
});

describe("ignore= names outside variables too", () => {
  const code = (directive: string) => `
    import { client } from "./client";
    let counter = 0;
    function helper() { return 1; }
    export async function f(a: number) {
      "${directive}";
      return [a, client, counter, helper()];
    }
  `;
  const files = { "src/client.ts": "export const client = { get() {} };" };

  test("left out of scope and of the thunk, and the hash covers the choice", async () => {
    const project = temp({ "src/entry.ts": code("use cache: ignore=client"), ...files });
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.scope).toEqual(["counter"]);
    expect(result.code).toContain(`}, () => [counter]); }`);
    project.write("src/entry.ts", code("use cache"));
    const all = await project.transform("src/entry.ts");
    expect(all.functions[0]!.scope).toEqual(["client", "counter"]);
    expect(all.functions[0]!.hash).not.toBe(result.functions[0]!.hash);
  });

  test("with parameters: ignore=a,counter,client leaves no thunk", async () => {
    const project = temp({ "src/entry.ts": code("use cache: ignore=a,counter,client"), ...files });
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.scope).toEqual([]);
    expect(result.code).toContain("ignore: [0]");
    expect(result.code).not.toContain("() => [");
  });

  test("`ignore=ns` leaves out every `ns.member`", async () => {
    const project = temp({
      "src/entry.ts": `import * as ns from "./ns"; export async function f() { "use cache: ignore=ns"; return ns.a + ns.b; }`,
      "src/ns.ts": "export const a = 1, b = 2;",
    });
    expect((await project.transform("src/entry.ts")).functions[0]!.scope).toEqual([]);
  });

  test.each([
    ["a function declaration", "helper"],
    ["a global", "Math"],
    ["a name the function never reads", "nothing"],
  ])("naming %s is a build error listing what can be ignored", async (_, name) => {
    const project = temp({ "src/entry.ts": code(`use cache: ignore=${name}`), ...files });
    const error = await project.transform("src/entry.ts").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CachephantBuildError);
    const buildError = error as CachephantBuildError;
    expect(buildError.code).toBe("CACHEPHANT_BAD_OPTION");
    expect(buildError.reason).toBe(
      `\`ignore\` in "use cache" names \`${name}\`, which is neither a parameter of \`f\` nor an outside variable it reads`,
    );
    expect(buildError.hint).toBe(
      "name a parameter (after destructuring) of `f`: `a`; or an outside variable `f` reads: `client`, `counter`",
    );
    expect(buildError.loc).toMatchObject({ file: project.path("src/entry.ts"), line: 6 });
  });

  test("module-level: a name that is an outside variable of some function is fine", async () => {
    const project = temp({
      "src/entry.ts": `"use cache: ignore=counter";
        let counter = 0;
        export async function f() { return counter; }
        export async function g(x: number) { return x; }`,
    });
    const result = await project.transform("src/entry.ts");
    expect(result.functions.map((fn) => fn.scope)).toEqual([[], []]);
  });

  test("module-level: a name no function has is still an error", async () => {
    const project = temp({
      "src/entry.ts": `"use cache: ignore=nope";\nexport async function f(x: number) { return x; }`,
    });
    await expect(project.transform("src/entry.ts")).rejects.toMatchObject({ code: "CACHEPHANT_BAD_OPTION" });
  });
});

describe("deps", () => {
  test("own code first, then each declaration and package by label, sorted", async () => {
    const project = temp({
      "src/entry.ts": `
        import { tax } from "./tax";
        import lodash from "lodash";
        const RATES = { a: 1 };
        export async function f(x: number) { "use cache"; return tax(x) + RATES.a + lodash.x; }
      `,
      "src/tax.ts": "export function tax(x: number) { return x; }",
    });
    project.installPackage("lodash", "4.17.21");
    const result = await project.transform("src/entry.ts");
    expect(result.functions[0]!.deps).toEqual([
      ["own code", expect.stringMatching(/^[0-9a-f]{16}$/)],
      ["helper tax (src/tax.ts)", expect.stringMatching(/^[0-9a-f]{16}$/)],
      ["package lodash", "4.17.21"],
      ["variable RATES (src/entry.ts)", expect.stringMatching(/^[0-9a-f]{16}$/)],
    ]);
    // A JSON string literal in the meta object.
    const literal = /deps: ("(?:[^"\\]|\\.)*")/.exec(result.code)![1]!;
    expect(JSON.parse(JSON.parse(literal))).toEqual(result.functions[0]!.deps);
  });

  test("each with its own hash: only the edited declaration's entry changes", async () => {
    const project = temp({
      "src/entry.ts": `import { a } from "./a"; export async function f() { "use cache"; return a(); }`,
      "src/a.ts": `import { b } from "./b"; export function a() { return b(); }`,
      "src/b.ts": `export function b() { return 1; }`,
    });
    const before = new Map((await project.transform("src/entry.ts")).functions[0]!.deps);
    project.replace("src/b.ts", "1", "2");
    const after = new Map((await project.transform("src/entry.ts")).functions[0]!.deps);
    const changed = [...after.keys()].filter((label) => before.get(label) !== after.get(label));
    expect(changed).toEqual(["helper b (src/b.ts)"]);
  });

  test("at most 100 entries", async () => {
    const helpers = Array.from({ length: 150 }, (_, i) => `function h${i}() { return ${i}; }`).join("\n");
    const calls = Array.from({ length: 150 }, (_, i) => `h${i}()`).join(" + ");
    const project = temp({ "src/entry.ts": `${helpers}\nexport async function f() { "use cache"; return ${calls}; }` });
    const deps = (await project.transform("src/entry.ts")).functions[0]!.deps;
    expect(deps).toHaveLength(100);
    expect(deps[0]![0]).toBe("own code");
    expect(deps[99]![0]).toBe("and 52 more");
  });
});

describe("trackDependencies: false", () => {
  test("hashes the own code only and reads no file, but still keys scope values", async () => {
    const project = temp({
      "src/entry.ts": `import { x } from "./x"; let y = 1; export async function f() { "use cache"; return x + y; }`,
      "src/x.ts": "export const x = 1;",
    });
    const graph = createModuleGraph();
    const result = await project.transform("src/entry.ts", { graph, trackDependencies: false });
    expect(graph.stats.reads).toBe(0);
    expect(result.dependencies).toEqual([]);
    expect(result.functions[0]!.scope).toEqual(["x", "y"]);
    expect(result.functions[0]!.deps).toEqual([["own code", result.functions[0]!.hash.slice(0, 16)]]);
    project.replace("src/x.ts", "1", "2");
    expect((await project.transform("src/entry.ts", { trackDependencies: false })).functions[0]!.hash).toBe(
      result.functions[0]!.hash,
    );
  });
});

describe("errors", () => {
  test("a helper that does not parse never fails the build; the module's own syntax error does", async () => {
    const project = temp({
      "src/entry.ts": `import { x } from "./broken"; export async function f() { "use cache"; return x; }`,
      "src/broken.ts": "export const x = ;",
    });
    await expect(project.transform("src/entry.ts")).resolves.toBeTruthy();
    await expect(
      transform(`export async function f() { "use cache"; return ; ; }}`, join(project.dir, "src/bad.ts")),
    ).rejects.toMatchObject({
      code: "CACHEPHANT_PARSE",
    });
  });
});
