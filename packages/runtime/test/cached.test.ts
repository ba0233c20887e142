import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test, vi } from "vitest";
import { cached, CachedFunctionError } from "../src/index.js";
import { debugLines, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

// Like a notebook cell that runs again: a new function object from source text.
type Counted = { runs: Record<string, number> };
const counts = globalThis as unknown as Counted;
function define<F>(source: string): F {
  counts.runs ??= {};
  return (0, eval)(`(${source})`) as F;
}
function runs(name: string): number {
  return counts.runs?.[name] ?? 0;
}
function resetRuns(): void {
  counts.runs = {};
}

type Fn = (...args: unknown[]) => Promise<unknown>;

describe("the wrapper", () => {
  test("has the wrapped function's name, length and source", () => {
    const load = cached(async function load(path: string, sep = ",", ..._rest: unknown[]) {
      return `${path}${sep}`;
    });
    expect(load.name).toBe("load");
    expect(load.length).toBe(1);
    expect(String(load)).toContain("async function load(path");
  });

  test("a second call with the same arguments is served from the store; another argument computes and both are kept", async () => {
    resetRuns();
    const square = define<Fn>(
      `async function square(x) { runs.square = (runs.square ?? 0) + 1; return { x: x * x }; }`,
    );
    const wrapped = cached(square);
    expect(await wrapped(3)).toEqual({ x: 9 });
    expect(await wrapped(3)).toEqual({ x: 9 });
    expect(await wrapped(4)).toEqual({ x: 16 });
    expect(await wrapped(3)).toEqual({ x: 9 });
    expect(runs("square")).toBe(2);
  });
});

describe("cells that run again", () => {
  const original = `async function load(n) {
    // sum of squares
    runs.load = (runs.load ?? 0) + 1;
    let total = 0;
    for (let i = 1; i <= n; i++) total += i * i;
    return total;
  }`;

  test("re-defining the same function reuses its results", async () => {
    resetRuns();
    expect(await cached(define<Fn>(original))(3)).toBe(14);
    expect(await cached(define<Fn>(original))(3)).toBe(14);
    expect(runs("load")).toBe(1);
  });

  test("comments, formatting and renamed locals reuse; a body edit computes again", async () => {
    resetRuns();
    expect(await cached(define<Fn>(original))(3)).toBe(14);
    const reformatted = `async function load(count) { runs.load = (runs.load ?? 0) + 1
      let sum = 0 /* renamed */
      for (let k = 1; k <= count; k++) { sum += k * k }
      return sum }`;
    expect(await cached(define<Fn>(reformatted))(3)).toBe(14);
    expect(runs("load")).toBe(1);
    const edited = original.replace("total += i * i", "total += i * i * i");
    expect(await cached(define<Fn>(edited))(3)).toBe(36);
    expect(runs("load")).toBe(2);
  });

  test("editing a default value computes again", async () => {
    resetRuns();
    const body = `{ runs.scale = (runs.scale ?? 0) + 1; return x * by; }`;
    expect(await cached(define<Fn>(`async function scale(x, by = 2) ${body}`))(5)).toBe(10);
    expect(await cached(define<Fn>(`async function scale(x, by = 3) ${body}`))(5)).toBe(15);
    expect(runs("scale")).toBe(2);
  });
});

describe("resolved arguments", () => {
  test("f(1) and f(1, 2) share an entry when 2 is the default; so does a trailing undefined", async () => {
    resetRuns();
    const add = cached(define<Fn>(`async function add(a, b = 2) { runs.add = (runs.add ?? 0) + 1; return a + b; }`));
    expect(await add(1)).toBe(3);
    expect(await add(1, 2)).toBe(3);
    expect(await add(1, undefined)).toBe(3);
    expect(runs("add")).toBe(1);
    expect(await add(1, 5)).toBe(6);
    expect(runs("add")).toBe(2);
  });

  test("destructured defaults resolve; a property the pattern does not bind is not in the key", async () => {
    resetRuns();
    const pick = cached(
      define<Fn>(
        `async function pick({ a, b = 2 }, [c = a + b] = []) { runs.pick = (runs.pick ?? 0) + 1; return [a, b, c]; }`,
      ),
    );
    expect(await pick({ a: 1 })).toEqual([1, 2, 3]);
    expect(await pick({ a: 1, b: 2 }, [3])).toEqual([1, 2, 3]);
    expect(await pick({ b: 2, a: 1, unrelated: "x" }, [])).toEqual([1, 2, 3]);
    expect(runs("pick")).toBe(1);
  });

  test("a default that calls something is not evaluated by the key; the argument counts as passed", async () => {
    resetRuns();
    counts.runs.nextId = 0;
    (globalThis as { nextId?: () => number }).nextId = () => ++counts.runs.nextId!;
    const tag = cached(
      define<Fn>(`async function tag(label, id = nextId()) { runs.tag = (runs.tag ?? 0) + 1; return label + id; }`),
    );
    expect(await tag("a")).toBe("a1");
    expect(await tag("a", undefined)).toBe("a1");
    expect(runs("nextId")).toBe(1); // only the one run of the body called it
    expect(await tag("a", 7)).toBe("a7");
    expect(runs("tag")).toBe(2);
  });

  test("a parameter list that throws for the arguments throws the function's own error", async () => {
    const first = cached(async ({ a }: { a: number }) => a, { name: "first" });
    await expect(first(null as unknown as { a: number })).rejects.toThrow(TypeError);
  });
});

describe("uses", () => {
  const user = (helperName: string) =>
    `async function report(n) { runs.report = (runs.report ?? 0) + 1; return ${helperName}(n); }`;

  test("editing a helper named in uses computes again; a comment in it does not", async () => {
    resetRuns();
    const v1 = define<(n: number) => number>(`function double(n) { return n * 2; }`);
    const v1comment = define<(n: number) => number>(`function double(n) { /* twice */ return n * 2; }`);
    const v2 = define<(n: number) => number>(`function double(n) { return n * 2 + 1; }`);
    (globalThis as { double?: unknown }).double = v1;
    expect(await cached(define<Fn>(user("double")), { uses: [v1] })(4)).toBe(8);
    (globalThis as { double?: unknown }).double = v1comment;
    expect(await cached(define<Fn>(user("double")), { uses: [v1comment] })(4)).toBe(8);
    expect(runs("report")).toBe(1);
    (globalThis as { double?: unknown }).double = v2;
    expect(await cached(define<Fn>(user("double")), { uses: [v2] })(4)).toBe(9);
    expect(runs("report")).toBe(2);
  });

  test("a helper that is itself cached counts by its code", async () => {
    resetRuns();
    const inner = (body: string) => cached(define<Fn>(`async function inner(n) { return ${body}; }`));
    (globalThis as { inner?: unknown }).inner = inner("n + 1");
    expect(await cached(define<Fn>(user("inner")), { uses: [inner("n + 1")] })(1)).toBe(2);
    expect(await cached(define<Fn>(user("inner")), { uses: [inner("n + 1")] })(1)).toBe(2);
    expect(runs("report")).toBe(1);
    (globalThis as { inner?: unknown }).inner = inner("n + 2");
    expect(await cached(define<Fn>(user("inner")), { uses: [inner("n + 2")] })(1)).toBe(3);
    expect(runs("report")).toBe(2);
  });
});

describe("options: the directive's vocabulary", () => {
  test('"use cache: ignore=signal" in the function leaves that parameter out of the key', async () => {
    resetRuns();
    const fetchIt = cached(
      define<Fn>(
        `async function fetchIt(url, { signal }) { "use cache: ignore=signal"; globalThis.runs.fetchIt = (globalThis.runs.fetchIt ?? 0) + 1; return url; }`,
      ),
    );
    expect(await fetchIt("/a", { signal: new AbortController().signal })).toBe("/a");
    expect(await fetchIt("/a", { signal: new AbortController().signal })).toBe("/a");
    expect(runs("fetchIt")).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("ignore as an option does the same; without it a function argument makes the call uncached with a warning", async () => {
    resetRuns();
    const source = `async function get(url, log) { runs.get = (runs.get ?? 0) + 1; return url; }`;
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const ignoring = cached(define<Fn>(source), { ignore: ["log"] });
    await ignoring("/a", log);
    await ignoring("/a", log);
    expect(runs("get")).toBe(1);
    const plain = cached(define<Fn>(source));
    await plain("/a", log);
    expect(runs("get")).toBe(2);
    expect(warnings(runtime.stderr()).join("\n")).toMatch(
      /get .* runs uncached: args\[1\] is a function that closes over lines/,
    );
  });

  test("ttl in the directive or the options: an expired entry computes again", async () => {
    for (const [arg, source, options] of [
      [1, `async function fresh(x) { "use cache: ttl=1h"; runs.fresh = (runs.fresh ?? 0) + 1; return x; }`, {}],
      [2, `async function fresh(x) { runs.fresh = (runs.fresh ?? 0) + 1; return x; }`, { ttl: "1h" }],
    ] as const) {
      resetRuns();
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
      const fresh = cached(define<Fn>(source), options);
      await fresh(arg);
      vi.setSystemTime(new Date("2026-01-01T00:59:00Z"));
      await fresh(arg);
      expect(runs("fresh")).toBe(1);
      vi.setSystemTime(new Date("2026-01-01T01:01:00Z"));
      await fresh(arg);
      expect(runs("fresh")).toBe(2);
      vi.useRealTimers();
    }
  });

  test("an option set both in the directive and in the options is an error naming both", async () => {
    const both = cached(define<Fn>(`async function both(x) { "use cache: ttl=1h"; return x; }`), { ttl: 1000 });
    await expect(both(1)).rejects.toMatchObject({
      code: "CACHEPHANT_BAD_OPTION",
      message: expect.stringMatching(/both in its "use cache" directive and in the options/),
    });
  });

  test("ignore naming no parameter is an error listing the parameters", async () => {
    const wrong = cached(define<Fn>(`async function wrong(url, signal) { return url; }`), { ignore: "sigal" });
    await expect(wrong("/a", null)).rejects.toMatchObject({
      code: "CACHEPHANT_BAD_OPTION",
      message: expect.stringMatching(/`url`, `signal`/),
    });
  });

  test("name in the options is the name in debug lines", async () => {
    process.env.CACHEPHANT_DEBUG = "1";
    await cached(async (x: number) => x, { name: "renamed" })(1);
    expect(debugLines(runtime.stderr()).join("\n")).toMatch(/^cachephant miss renamed \(.*cached\.test\.ts:\d+\)/);
  });
});

describe("what cannot be wrapped", () => {
  const codeOf = (action: () => unknown) => {
    try {
      action();
    } catch (error) {
      expect(error).toBeInstanceOf(CachedFunctionError);
      return (error as CachedFunctionError).code;
    }
    return "no error";
  };

  test("a bound or native function is an error at wrap time that says its source cannot be read", () => {
    const load = async function load(this: unknown, x: number) {
      return x;
    };
    expect(codeOf(() => cached(load.bind(null)))).toBe("CACHEPHANT_NO_SOURCE");
    expect(() => cached(load.bind(null))).toThrow(/source of `bound load` cannot be read \(a bound function\)/);
    expect(codeOf(() => cached(Math.max as never))).toBe("CACHEPHANT_NO_SOURCE");
    expect(codeOf(() => cached(async (x: number) => x, { uses: [Math.round] }))).toBe("CACHEPHANT_NO_SOURCE");
  });

  test("a function that is not async, not a function, or bad options are errors at wrap time", () => {
    expect(codeOf(() => cached((() => 1) as never))).toBe("CACHEPHANT_NOT_ASYNC");
    expect(codeOf(() => cached(async function* gen() {} as never))).toBe("CACHEPHANT_NOT_ASYNC");
    expect(codeOf(() => cached("load" as never))).toBe("CACHEPHANT_NOT_A_FUNCTION");
    expect(codeOf(() => cached(async () => 1, { tll: "1h" } as never))).toBe("CACHEPHANT_BAD_OPTION");
    expect(codeOf(() => cached(async () => 1, { ttl: "soon" }))).toBe("CACHEPHANT_BAD_OPTION");
    expect(codeOf(() => cached(async () => 1, { uses: [{ rate: 2 }] as never }))).toBe("CACHEPHANT_BAD_OPTION");
  });

  test("a function that reads this fails its first call with the build step's error code, located in the caller's file", async () => {
    const method = cached(define<Fn>(`async function method() { return this.x; }`));
    const error = await method().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: "CACHEPHANT_USES_THIS" });
    // At `this` in this file (the function's source is found in the file that called cached()), not at 1:35 of its own text.
    const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
    const line = lines.findIndex((text) => text.includes("async function method() { return this.x; }")) + 1;
    const column = lines[line - 1]!.indexOf("this.x");
    expect((error as { loc: unknown }).loc).toEqual({ file: expect.stringMatching(/cached\.test\.ts$/), line, column });
    expect((error as Error).message).toMatch(
      new RegExp(`cached\\.test\\.ts:${line}:${column + 1}: \`method\` uses \`this\``),
    );
  });

  test("a name read from outside that is neither a known global nor in uses is one warning at wrap time, naming it and the fix", async () => {
    resetRuns();
    Object.assign(globalThis, { factor: 2, round: (x: number) => Math.round(x) });
    const helper = (globalThis as unknown as { round: Fn }).round;
    const scale = cached(
      define<Fn>(`async function scale(x) { return round(x * factor) + JSON.stringify(globalThis.runs).length * 0; }`),
      { uses: [helper] },
    );
    // The check runs when the normalizer has loaded, before the first call's analysis.
    expect(await scale(1.2)).toBe(2);
    await scale(1.2);
    expect(warnings(runtime.stderr()).filter((line) => line.includes("from outside its body"))).toEqual([
      expect.stringMatching(
        /^cachephant: scale \(.*\) reads `factor` from outside its body, which its key does not cover \(a new value would return an old result\): pass it as an argument or add it to uses$/,
      ),
    ]);
    delete (globalThis as { factor?: number }).factor;
    delete (globalThis as { round?: unknown }).round;
  });

  test("an object's method can be wrapped", async () => {
    resetRuns();
    const api = define<{ load(x: number): Promise<number> }>(
      `{ async load(x) { runs.method = (runs.method ?? 0) + 1; return x * 10; } }`,
    );
    // eslint-disable-next-line @typescript-eslint/unbound-method -- what it tests: a method passed on its own
    const load = cached(api.load);
    expect(await load(2)).toBe(20);
    expect(await load(2)).toBe(20);
    expect(runs("method")).toBe(1);
  });
});

describe("typed array views", () => {
  const window = (buffer: ArrayBuffer) => new Uint8Array(buffer, 0, 2);

  test("a function that reads its view's buffer computes again when a byte outside the view changes", async () => {
    resetRuns();
    const total = cached(
      define<Fn>(
        `async function total(view) { runs.total = (runs.total ?? 0) + 1; return new Uint8Array(view.buffer).reduce((a, b) => a + b, 0); }`,
      ),
    );
    const buffer = new ArrayBuffer(8);
    new Uint8Array(buffer).fill(1);
    expect(await total(window(buffer))).toBe(8);
    expect(await total(window(buffer))).toBe(8);
    expect(runs("total")).toBe(1);
    new Uint8Array(buffer)[7] = 10;
    expect(await total(window(buffer))).toBe(17);
    expect(runs("total")).toBe(2);
  });

  test("so does one whose helper in `uses` reads it; one that reads the view's own bytes is served", async () => {
    resetRuns();
    const whole = define<(view: Uint8Array) => Uint8Array>(
      `function whole(view) { return new Uint8Array(view.buffer); }`,
    );
    const viaHelper = cached(
      define<Fn>(
        `async function viaHelper(view) { runs.viaHelper = (runs.viaHelper ?? 0) + 1; return whole(view).length; }`,
      ),
      { uses: [whole] },
    );
    const ownBytes = cached(
      define<Fn>(
        `async function ownBytes(view) { runs.ownBytes = (runs.ownBytes ?? 0) + 1; return view[0] + view[1]; }`,
      ),
    );
    const buffer = new ArrayBuffer(8);
    (globalThis as Record<string, unknown>).whole = whole;
    try {
      await viaHelper(window(buffer));
      await ownBytes(window(buffer));
      new Uint8Array(buffer)[7] = 10;
      await viaHelper(window(buffer));
      await ownBytes(window(buffer));
    } finally {
      delete (globalThis as Record<string, unknown>).whole;
    }
    expect(runs("viaHelper")).toBe(2);
    expect(runs("ownBytes")).toBe(1);
  });
});
