import { beforeAll, describe, expect, test } from "vitest";
import { registerState } from "../src/index.js";
import { EventEmitter } from "node:events";
import { entryKey, loadSourceParser } from "../src/key/index.js";
import { NOT_LOADED } from "../src/state.js";
import { cached, makeMeta, useRuntime, warnings } from "./helpers.js";

beforeAll(() => loadSourceParser());

const runtime = useRuntime();
let files = 0;

describe("module state in the key", () => {
  test("a registered binding is read at each call: a new value computes again, both results are kept", async () => {
    const file = `src/state-${++files}.ts`;
    let mode = "a";
    registerState(file, { mode: () => mode });
    const label = cached(makeMeta({ state: [[file, "mode"]] }), (x: number) => mode + x);
    expect(await label(1)).toBe("a1");
    mode = "b";
    expect(await label(1)).toBe("b1");
    mode = "a";
    expect(await label(1)).toBe("a1");
    expect(label.runs).toBe(2);
  });

  test("registrations of one file merge: a module evaluated again (a dev server's update) and its earlier registration both count", async () => {
    const file = `src/state-${++files}.ts`;
    let mode = "a";
    const shared = { n: 1 };
    registerState(file, { shared: () => shared });
    registerState(file, { mode: () => mode });
    const show = cached(
      makeMeta({
        state: [
          [file, "mode"],
          [file, "shared"],
        ],
      }),
      (x: number) => `${mode}${x + shared.n}`,
    );
    expect(await show(1)).toBe("a2");
    shared.n = 5;
    expect(await show(1)).toBe("a6");
    mode = "b";
    expect(await show(1)).toBe("b6");
    expect(show.runs).toBe(3);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("a mutated object counts by its contents", async () => {
    const file = `src/state-${++files}.ts`;
    const config = { unit: "m" };
    registerState(file, { config: () => config });
    const show = cached(makeMeta({ state: [[file, "config"]] }), (x: number) => x + config.unit);
    expect(await show(1)).toBe("1m");
    config.unit = "km";
    expect(await show(1)).toBe("1km");
    expect(show.runs).toBe(2);
  });

  test("a module that has not registered makes the call run uncached, with one warning naming the module", async () => {
    const meta = makeMeta({ state: [["src/never-registered.ts", "mode"]] });
    const run = cached(meta, (x: number) => x * 2);
    expect(await run(2)).toBe(4);
    expect(await run(2)).toBe(4);
    expect(run.runs).toBe(2);
    const lines = warnings(runtime.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /runs uncached: the current value of `mode` in src\/never-registered\.ts is not available/,
    );
  });

  test("a function in state that closes over a variable: uncached, and the warning does not send the user to ignore=, which cannot name helpers' state", async () => {
    const file = `src/log-${++files}.ts`;
    const prefix = "app";
    const log = { info: (m: string) => `${prefix}: ${m}` };
    registerState(file, { log: () => log });
    const run = cached(makeMeta({ state: [[file, "log"]] }), (x: number) => log.info(String(x)));
    expect(await run(1)).toBe("app: 1");
    expect(await run(1)).toBe("app: 1");
    expect(run.runs).toBe(2);
    const lines = warnings(runtime.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/runs uncached: src\/log-\d+\.ts#log\.info is a function that closes over prefix/);
    expect(lines[0]).toMatch(/"ignore=" cannot name: keep functions that close over variables out of it/);
    expect(lines[0]).not.toMatch(/name the parameter/);
  });

  test("with `stateAhead` (the build rewrote every state module to register first thing), a module that has not registered has not run yet: keyed apart from every value, never uncached", async () => {
    const file = `src/late-${++files}.ts`;
    const meta = makeMeta({ state: [[file, "factor"]], stateAhead: true });
    let factor: unknown = 2;
    const scale = cached(meta, (x: number) => x * (factor as number));
    // Not loaded yet: computed once, then a hit.
    expect(await scale(2)).toBe(4);
    expect(await scale(2)).toBe(4);
    expect(scale.runs).toBe(1);
    // Loaded now (it registers): its value keys the call, apart from the not-loaded entry, whatever the value.
    for (const value of [undefined, null, "N", Symbol.for("cachephant.notLoaded")]) {
      expect(entryKey(meta, [2], undefined, [value])).not.toBe(entryKey(meta, [2], undefined, [NOT_LOADED]));
    }
    registerState(file, { factor: () => factor });
    factor = 3;
    expect(await scale(2)).toBe(6);
    expect(scale.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("with `stateAhead`, a module that registered without the binding still runs the call uncached", async () => {
    const file = `src/late-${++files}.ts`;
    registerState(file, { other: () => 1 });
    const run = cached(makeMeta({ state: [[file, "factor"]], stateAhead: true }), (x: number) => x + 1);
    expect(await run(1)).toBe(2);
    expect(await run(1)).toBe(2);
    expect(run.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(/runs uncached: the current value of `factor` in src\/late-\d+\.ts is not available/),
    ]);
  });

  test("a variable read before its module initialized it makes the call run uncached", async () => {
    const file = `src/state-${++files}.ts`;
    registerState(file, {
      mode: () => {
        throw new ReferenceError("Cannot access 'mode' before initialization");
      },
    });
    const run = cached(makeMeta({ state: [[file, "mode"]] }), (x: number) => x + 1);
    expect(await run(1)).toBe(2);
    expect(await run(1)).toBe(2);
    expect(run.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(/runs uncached: the current value of `mode` in src\/state-\d+\.ts is not available/),
    ]);
  });

  test("functions and classes in state count by their source and their own properties", () => {
    const meta = makeMeta({ state: [["src/f.ts", "impl"]] });
    const key = (value: unknown) => entryKey(meta, [], undefined, [value]);
    const double = (x: number) => x * 2;
    const triple = (x: number) => x * 3;
    expect(key(double)).not.toBe(key(triple));
    expect(key(double)).toBe(key((x: number) => x * 2));
    class Config {}
    const before = key(Config);
    (Config as unknown as { rate: number }).rate = 3;
    expect(key(Config)).not.toBe(before);
    function Shape() {}
    const plain = key(Shape);
    Shape.prototype.area = () => 1;
    expect(key(Shape)).not.toBe(plain);
  });

  test("a function in state that closes over a variable makes the call unkeyable, naming the binding", () => {
    const meta = makeMeta({ state: [["src/f.ts", "impl"]] });
    const by = (k: number) => (x: number) => x * k;
    expect(() => entryKey(meta, [], undefined, [by(2)])).toThrowError(
      "src/f.ts#impl is a function that closes over k; the key cannot see its value",
    );
  });

  test("a class instance in state by its class's code and data; a resource by its class", () => {
    const meta = makeMeta({ state: [["src/f.ts", "settings"]] });
    const key = (value: unknown) => entryKey(meta, [], undefined, [value]);
    class Settings {
      unit = "m";
    }
    const settings = new Settings();
    const before = key(settings);
    settings.unit = "km";
    expect(key(settings)).not.toBe(before);
    class Pool extends EventEmitter {
      size = 1;
    }
    const pool = new Pool();
    const pooled = key(pool);
    pool.size = 2;
    expect(key(pool)).toBe(pooled);
  });

  test("a call without state keys as before", () => {
    const meta = makeMeta();
    expect(entryKey(meta, [1], undefined, [])).toBe(entryKey(meta, [1]));
  });
});
