/**
 * Runs rewritten modules for real, against a fake runtime that records what
 * it is given and calls the function: the wrapper must keep the function's
 * name, `length`, hoisting and semantics, and pass the resolved parameters.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { transform } from "../src/index.js";

interface Call {
  meta: {
    hash: string;
    name: string;
    file: string;
    line: number;
    paths: string[];
    scope?: string[];
    state?: Array<[string, string]>;
    deps?: string;
    ignore?: number[];
    ttl?: number;
  };
  values: unknown[];
  /** What the scope thunk returned, or "TDZ" when it threw. */
  scope?: unknown[] | "TDZ";
}

// Like the real runtime, it reads the scope values inside try/catch.
const FAKE_RUNTIME = `
globalThis.__cachephantCalls ??= [];
export async function runCached(meta, values, fn, scope) {
  let read;
  if (scope) { try { read = scope(); } catch { read = "TDZ"; } }
  globalThis.__cachephantCalls.push({ meta, values, ...(scope ? { scope: read } : {}) });
  return fn(...values);
}
export function registerState(file, getters) {
  (globalThis.__cachephantState ??= {})[file] = getters;
}
export function registerClasses() {}
`;
const FAKE_RUNTIME_CJS = `
globalThis.__cachephantCalls ??= [];
exports.runCached = async function runCached(meta, values, fn, scope) {
  globalThis.__cachephantCalls.push({ meta, values, ...(scope ? { scope: scope() } : {}) });
  return fn(...values);
};
`;

const dir = mkdtempSync(join(tmpdir(), "cachephant-core-"));
writeFileSync(join(dir, "runtime.mjs"), FAKE_RUNTIME);
writeFileSync(join(dir, "runtime.cjs"), FAKE_RUNTIME_CJS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compile(name: string, code: string, runtimeModule: string): Promise<void> {
  const file = join(dir, name);
  const result = await transform(code, file, { root: dir, runtimeModule });
  if (!result) throw new Error("nothing was transformed");
  writeFileSync(file, result.code);
}

let probes = 0;

/**
 * Runs `body` (an async function body that may `await import("./x.mjs")`) in
 * a fresh Node process, not through Vitest, which would rewrite the modules
 * again. Returns what `body` returns and the calls the fake runtime saw.
 */
function probe<T>(body: string): { result: T; calls: Call[] } {
  const file = join(dir, `probe-${++probes}.mjs`);
  writeFileSync(
    file,
    `globalThis.__cachephantCalls = [];
    const result = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify({ result, calls: globalThis.__cachephantCalls }));`,
  );
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8" }));
}

describe("function-level directives", () => {
  beforeAll(() =>
    compile(
      "functions.mjs",
      `
    // Called before its definition: the declaration is still hoisted.
    export const early = await withDefault(1);

    export async function withDefault(a, b = 2) {
      "use cache";
      return a + b;
    }

    export async function redeclare(a) {
      "use cache";
      var a; // no initializer: keeps the parameter's value
      return a;
    }

    export async function destructure(x, { y, z = 3 } = {}, [first, , third] = [], ...rest) {
      "use cache";
      return [x, y, z, first, third, rest];
    }

    export async function ignored(url, signal) {
      "use cache: ignore=signal; ttl=1m";
      return [url, signal];
    }

    export default async function () {
      "use cache";
      return "default";
    }

    export const arrow = async (n) => {
      "use cache";
      return n * 2;
    };

    export const object = {
      async method(a) {
        "use cache";
        return a;
      },
    };

    export class Service {
      static async run(a) {
        "use cache";
        return Service.prefix + a;
      }
      static prefix = "run:";
    }

    export async function outer(a) {
      "use cache";
      async function inner(b) {
        "use cache";
        return b * 10;
      }
      return inner(a);
    }
    `,
      "./runtime.mjs",
    ),
  );
  const load = `const mod = await import("./functions.mjs"); globalThis.__cachephantCalls.length = 0;`;

  test("keeps name and length", () => {
    const { result } = probe(`${load}
      return [mod.withDefault, mod.destructure, mod.default, mod.arrow, mod.object.method, mod.Service.run].map((f) => [f.name, f.length]);`);
    expect(result).toEqual([
      ["withDefault", 1],
      ["destructure", 1],
      ["default", 0],
      ["arrow", 1],
      ["method", 1],
      ["run", 1],
    ]);
  });

  test("keeps hoisting: a call before the definition works", () => {
    const { result, calls } = probe(`const mod = await import("./functions.mjs"); return mod.early;`);
    expect(result).toBe(3);
    expect(calls[0]!.meta.name).toBe("withDefault");
  });

  test("passes the resolved parameters: f(1) and f(1, 2) give the same values when b = 2", () => {
    const { result, calls } = probe(`${load} return [await mod.withDefault(1), await mod.withDefault(1, 2)];`);
    expect(result).toEqual([3, 3]);
    expect(calls[0]!.values).toEqual([1, 2]);
    expect(calls[1]!.values).toEqual(calls[0]!.values);
    expect(calls[0]!.meta).toMatchObject({
      name: "withDefault",
      file: "functions.mjs",
      line: 5,
      paths: ["args[0]", "args[1]"],
    });
    expect(calls[0]!.meta.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  test("a `var` redeclaring a parameter still sees its value", () => {
    expect(probe(`${load} return mod.redeclare(5);`).result).toBe(5);
  });

  test("destructured, defaulted and rest parameters", () => {
    const { result, calls } = probe(`${load}
      return [
        await mod.destructure(1, { y: 2, extra: "not bound" }, ["a", "b", "c"], "r1", "r2"),
        await mod.destructure(1),
      ];`);
    expect(result).toEqual([
      [1, 2, 3, "a", "c", ["r1", "r2"]],
      [1, null, 3, null, null, []], // JSON turns undefined into null
    ]);
    expect(calls[0]!.values).toEqual([1, 2, 3, "a", "c", ["r1", "r2"]]);
    expect(calls[0]!.meta.paths).toEqual([
      "args[0]",
      "args[1].y",
      "args[1].z",
      "args[2][0]",
      "args[2][2]",
      "args[3...]",
    ]);
    expect(calls[1]!.values).toEqual([1, null, 3, null, null, []]);
  });

  test("ignore and ttl reach the meta object", () => {
    const { result, calls } = probe(`${load} return mod.ignored("u", "s");`);
    expect(result).toEqual(["u", "s"]);
    expect(calls[0]!.meta).toMatchObject({ paths: ["args[0]", "args[1]"], ignore: [1], ttl: 60_000 });
  });

  test("default exports, arrows, object and class methods run through the runtime", () => {
    const { result, calls } = probe(`${load}
      return [await mod.default(), await mod.arrow(4), await mod.object.method("m"), await mod.Service.run("x")];`);
    expect(result).toEqual(["default", 8, "m", "run:x"]);
    expect(calls.map((call) => call.meta.name)).toEqual(["default", "arrow", "method", "Service.run"]);
  });

  test("nested cached functions compose", () => {
    const { result, calls } = probe(`${load} return mod.outer(2);`);
    expect(result).toBe(20);
    expect(calls.map((call) => [call.meta.name, call.values])).toEqual([
      ["outer", [2]],
      ["inner", [2]],
    ]);
  });
});

describe("module-level directive", () => {
  beforeAll(() =>
    compile(
      "module.mjs",
      `"use cache: ttl=1h";
    export async function declared(a) {
      return a + 1;
    }
    export const short = async (id) => ({ id });
    export const sequence = async (a) => (a, a * 3);
    const local = async (x) => x;
    export { local as renamed };
    export function sync() {
      return "sync";
    }
    `,
      "./runtime.mjs",
    ),
  );

  test("wraps every exported async function, expression bodies included", () => {
    const { result, calls } = probe(`const mod = await import("./module.mjs");
      return [await mod.declared(1), await mod.short(7), await mod.sequence(2), await mod.renamed("r"), mod.sync(), mod.short.length];`);
    expect(result).toEqual([2, { id: 7 }, 6, "r", "sync", 1]);
    expect(calls.map((call) => [call.meta.name, call.meta.ttl])).toEqual([
      ["declared", 3_600_000],
      ["short", 3_600_000],
      ["sequence", 3_600_000],
      ["local", 3_600_000],
    ]);
  });
});

describe("scope values", () => {
  beforeAll(() =>
    compile(
      "scope.mjs",
      `
      // Called before \`late\` is initialized: reading the scope throws (TDZ), the runtime runs uncached.
      export const early = await maybeLate(false);
      let late = "late";

      let rate = 2;
      export function setRate(next) {
        rate = next;
      }
      export async function priced(x) {
        "use cache";
        return x * rate;
      }
      function scaled(x) {
        return x * rate;
      }
      export async function viaHelper(x) {
        "use cache";
        return scaled(x);
      }
      async function maybeLate(flag) {
        "use cache";
        return flag ? late : "early";
      }
      export { maybeLate };
      export function make(prefix) {
        const decorate = (id) => prefix + id;
        return async (id) => {
          "use cache";
          return decorate(id);
        };
      }
      `,
      "./runtime.mjs",
    ),
  );

  test("the thunk reads the current values at each call", () => {
    const { result, calls } = probe(`const mod = await import("./scope.mjs"); globalThis.__cachephantCalls.length = 0;
      const first = await mod.priced(3);
      mod.setRate(5);
      return [first, await mod.priced(3)];`);
    expect(result).toEqual([6, 15]);
    expect(calls.map((call) => [call.meta.scope, call.scope])).toEqual([
      [["rate"], [2]],
      [["rate"], [5]],
    ]);
  });

  test("a module variable a helper reads and a setter changes is state, read through the module's registration", () => {
    const { result, calls } = probe(`const mod = await import("./scope.mjs"); globalThis.__cachephantCalls.length = 0;
      const read = () => globalThis.__cachephantState["scope.mjs"].rate();
      mod.setRate(2);
      const first = [await mod.viaHelper(3), read()];
      mod.setRate(7);
      return [first, [await mod.viaHelper(3), read()]];`);
    expect(result).toEqual([
      [6, 2],
      [21, 7],
    ]);
    expect(calls[0]!.meta.state).toEqual([["scope.mjs", "rate"]]);
    expect(calls[0]!.meta.scope).toBeUndefined();
  });

  test("closure variables, also those a helper reads", () => {
    const { result, calls } = probe(`const mod = await import("./scope.mjs"); globalThis.__cachephantCalls.length = 0;
      return mod.make("p-")("1");`);
    expect(result).toBe("p-1");
    expect(calls[0]).toMatchObject({ meta: { scope: ["prefix"] }, scope: ["p-"] });
  });

  test("a variable in its temporal dead zone makes the thunk throw, not the call", () => {
    const { result, calls } = probe(
      `const mod = await import("./scope.mjs"); return [mod.early, await mod.maybeLate(true)];`,
    );
    expect(result).toEqual(["early", "late"]);
    expect(calls.map((call) => call.scope)).toEqual(["TDZ", ["late"]]);
  });
});

describe("CommonJS", () => {
  test("requires the runtime", async () => {
    await compile(
      "common.cjs",
      `"use strict";
      async function twice(a) {
        "use cache";
        return a * 2;
      }
      module.exports = { twice };
      `,
      "./runtime.cjs",
    );
    const { result, calls } = probe(`const { createRequire } = await import("node:module");
      const mod = createRequire(import.meta.url)("./common.cjs");
      return [await mod.twice(21), mod.twice.name, mod.twice.length];`);
    expect(result).toEqual([42, "twice", 1]);
    expect(calls[0]!.meta.name).toBe("twice");
  });
});
