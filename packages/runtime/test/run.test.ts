import { createHash } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import v8 from "node:v8";
import cacache from "cacache";
import { describe, expect, test, vi } from "vitest";
import { clear, configure, list, prune, refresh } from "../src/index.js";
import { entryKey } from "../src/key/index.js";
import { resultMetadata } from "../src/call/index.js";
import { backgroundPrune, readIndex } from "../src/store/index.js";
import { forgetStoredParts } from "../src/key-change.js";
import { forgetMarkers } from "../src/markers.js";
import { registerState } from "../src/state.js";
import { cached, contentFiles, debugLines, deferred, makeMeta, tempDir, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

describe("hits and misses", () => {
  test("a second call with the same arguments is a hit and does not run the body", async () => {
    const load = cached(makeMeta(), (x: number) => ({ doubled: x * 2 }));
    expect(await load(2)).toEqual({ doubled: 4 });
    expect(await load(2)).toEqual({ doubled: 4 });
    expect(load.runs).toBe(1);
    expect(await load(3)).toEqual({ doubled: 6 });
    expect(load.runs).toBe(2);
  });

  test("an entry is in cacache's format: cacache.get reads its bytes, cacache.verify finds it whole, its content is addressed by sha256", async () => {
    const meta = makeMeta();
    const load = cached(meta, (x: number) => ({ doubled: x * 2 }));
    await load(2);
    const { data, integrity } = await cacache.get(runtime.dir(), entryKey(meta, [2]));
    expect(integrity).toMatch(/^sha256-/);
    expect(data).toEqual(Buffer.from(v8.serialize({ doubled: 4 })));
    const digest = createHash("sha256").update(data).digest("hex");
    expect(
      existsSync(join(runtime.dir(), "content-v2", "sha256", digest.slice(0, 2), digest.slice(2, 4), digest.slice(4))),
    ).toBe(true);
    const verified = await cacache.verify(runtime.dir());
    expect(verified.badContentCount).toBe(0);
    expect(verified.verifiedContent).toBeGreaterThan(0);
  });

  test("another code hash computes again, and both results are kept", async () => {
    const v1 = cached(makeMeta({ name: "load", hash: "h1" }), () => "v1");
    const v2 = cached(makeMeta({ name: "load", hash: "h2" }), () => "v2");
    expect(await v1()).toBe("v1");
    expect(await v2()).toBe("v2");
    expect(await v1()).toBe("v1");
    expect(v1.runs + v2.runs).toBe(2);
  });

  test("ignored parameters do not change the key", async () => {
    const meta = makeMeta({ paths: ["args[0]", "args[1].signal"], ignore: [1] });
    const load = cached(meta, (x: number, _signal: unknown) => x + 1);
    expect(await load(1, new AbortController().signal)).toBe(2);
    expect(await load(1, "another")).toBe(2);
    expect(load.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("each hit returns a fresh copy: mutating one does not affect the next", async () => {
    const load = cached(makeMeta(), () => ({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) }));
    const first = await load();
    first.list.push(99);
    const hit1 = await load();
    expect(hit1.list).toEqual([1, 2]);
    hit1.list.push(3);
    hit1.bytes[0] = 42;
    const hit2 = await load();
    expect(hit2).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
    expect(hit2).not.toBe(hit1);
    expect(load.runs).toBe(1);
  });

  test("a thrown error is not cached: the next call runs again", async () => {
    let attempt = 0;
    const load = cached(makeMeta(), async () => {
      attempt += 1;
      if (attempt === 1) throw new Error("flaky");
      return "ok";
    });
    await expect(load()).rejects.toThrow("flaky");
    expect(await load()).toBe("ok");
    expect(await load()).toBe("ok");
    expect(attempt).toBe(2);
  });
});

describe("single flight", () => {
  test("concurrent calls with the same key share one execution; joiners get their own copy", async () => {
    const gate = deferred<void>();
    const made: object[] = [];
    const load = cached(makeMeta(), async (x: number) => {
      await gate.promise;
      const value = { x, at: new Map([["k", [x]]]) };
      made.push(value);
      return value;
    });
    const calls = [load(1), load(1), load(1), load(1), load(1)];
    gate.resolve();
    const results = await Promise.all(calls);
    expect(load.runs).toBe(1);
    expect(results[0]).toBe(made[0]); // the first caller gets the original value
    for (const result of results) expect(result).toEqual({ x: 1, at: new Map([["k", [1]]]) });
    expect(new Set(results).size).toBe(5);
    expect(new Set(results.map((result) => result.at)).size).toBe(5);
  });

  test("different keys run concurrently", async () => {
    const gate = deferred<void>();
    const load = cached(makeMeta(), async (x: number) => {
      await gate.promise;
      return x;
    });
    const calls = [load(1), load(2)];
    gate.resolve();
    expect(await Promise.all(calls)).toEqual([1, 2]);
    expect(load.runs).toBe(2);
  });

  test("when the shared execution throws, every caller gets the error and the next call runs again", async () => {
    const gate = deferred<void>();
    let attempt = 0;
    const load = cached(makeMeta(), async () => {
      attempt += 1;
      if (attempt === 1) {
        await gate.promise;
        throw new Error("down");
      }
      return "up";
    });
    const calls = [load(), load(), load()].map((call) =>
      call.then(
        () => "resolved",
        (error: Error) => error.message,
      ),
    );
    gate.resolve();
    expect(await Promise.all(calls)).toEqual(["down", "down", "down"]);
    expect(await load()).toBe("up");
    expect(attempt).toBe(2);
  });

  test("concurrent hits read once and still give each caller its own copy", async () => {
    const load = cached(makeMeta(), () => ({ a: [1] }));
    await load();
    const results = await Promise.all([load(), load(), load()]);
    expect(new Set(results).size).toBe(3);
    expect(load.runs).toBe(1);
  });
});

describe("unkeyable arguments", () => {
  test("run uncached with one warning naming the function and the path", async () => {
    const meta = makeMeta({ name: "loadReport", file: "src/data.ts", line: 3, paths: ["args[0]", "args[1].logger"] });
    const load = cached(meta, (url: string, _logger: unknown) => url.length);
    const lines: string[] = [];
    const logger = (line: string) => lines.push(line);
    expect(await load("abc", logger)).toBe(3);
    expect(await load("abc", logger)).toBe(3);
    expect(load.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: loadReport (src/data.ts:3) runs uncached: args[1].logger is a function that closes over lines; the key cannot see its value; add "ignore=logger" to its directive or pass plain data',
    ]);
    expect(await list()).toEqual([]);
  });

  test("a plain parameter gets a general hint; another path gets its own warning", async () => {
    const meta = makeMeta({ name: "f", line: 9, paths: ["args[0]"] });
    const fn = cached(meta, (_x: unknown) => 1);
    await fn({ a: Symbol("s") });
    await fn({ b: Promise.resolve() });
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: f (src/data.ts:9) runs uncached: args[0].a is a symbol; name the parameter in "ignore=" in its directive or pass plain data',
      'cachephant: f (src/data.ts:9) runs uncached: args[0].b is a Promise; name the parameter in "ignore=" in its directive or pass plain data',
    ]);
  });
});

describe("results", () => {
  class Client {
    constructor(readonly url: string) {}
  }

  test("an unstorable result is returned, warned about once, and not written", async () => {
    const meta = makeMeta({ name: "connect", line: 7 });
    const client = new Client("db://x");
    const connect = cached(meta, () => ({ items: [1, 2, { client }] }));
    const first = await connect();
    expect(first.items[2]).toEqual({ client });
    expect((first.items[2] as { client: Client }).client).toBe(client);
    await connect();
    expect(connect.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      "cachephant: connect (src/data.ts:7): result not stored, so calls compute again: result.items[2].client is an instance of Client, a class the cache does not know, so it would come back as a plain object (the build registers the top-level classes of the project that a cached function reaches, not a class declared inside a function or in a package; with cached(), list it: cached(fn, { classes: [Client] }); or return plain data)",
    ]);
    expect(await list()).toEqual([]);
    expect(contentFiles(runtime.dir())).toEqual([]);
  });

  test("joiners of an unstorable result share the value", async () => {
    const gate = deferred<void>();
    const connect = cached(makeMeta(), async () => {
      await gate.promise;
      return new Client("x");
    });
    const calls = [connect(), connect()];
    gate.resolve();
    const [a, b] = await Promise.all(calls);
    expect(a).toBe(b);
    expect(connect.runs).toBe(1);
  });

  test.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", "text"],
    ["NaN", Number.NaN],
    ["-0", -0],
    ["a bigint", 2n ** 70n],
  ])("a primitive result round-trips: %s", async (_, value) => {
    const fn = cached(makeMeta(), () => value);
    await fn();
    expect(Object.is(await fn(), value)).toBe(true);
    expect(fn.runs).toBe(1);
  });

  test("a result with every storable type round-trips through a hit", async () => {
    const make = () => {
      const cyclic: Record<string, unknown> = { name: "loop" };
      cyclic.self = cyclic;
      const shared = { s: 1 };
      // eslint-disable-next-line no-sparse-arrays
      const sparse = [1, , 3];
      return {
        map: new Map<unknown, unknown>([
          ["a", 1],
          [{ k: 1 }, new Set([1, 2])],
        ]),
        set: new Set(["x", 2n]),
        date: new Date(1_700_000_000_000),
        invalidDate: new Date(Number.NaN),
        big: 12345678901234567890n,
        regexp: /a(b)?c/gi,
        u8: new Uint8Array([1, 2, 3]),
        i16: new Int16Array([-1, 2]),
        f64: new Float64Array([1.5, Number.NaN]),
        big64: new BigInt64Array([-5n]),
        clamped: new Uint8ClampedArray([255]),
        view: new DataView(new Uint8Array([7, 8]).buffer),
        arrayBuffer: new Uint8Array([9]).buffer,
        buffer: Buffer.from("hello"),
        error: new TypeError("bad", { cause: { code: 1 } }),
        boxed: [new Number(1), new String("s"), new Boolean(false)],
        sparse,
        nested: { deep: [{ deeper: [undefined, null] }] },
        cyclic,
        pair: [shared, shared],
      };
    };
    const fn = cached(makeMeta(), make);
    await fn();
    const hit = await fn();
    expect(fn.runs).toBe(1);
    const expected = make();
    expect(hit.map).toEqual(expected.map);
    expect(hit.set).toEqual(expected.set);
    expect(hit.date).toEqual(expected.date);
    expect(Number.isNaN(hit.invalidDate.getTime())).toBe(true);
    expect(hit.big).toBe(expected.big);
    expect(hit.regexp).toEqual(expected.regexp);
    expect(hit.regexp.flags).toBe("gi");
    expect(hit.u8).toEqual(expected.u8);
    expect(hit.i16).toBeInstanceOf(Int16Array);
    expect(hit.i16).toEqual(expected.i16);
    expect(hit.f64).toEqual(expected.f64);
    expect(hit.big64).toEqual(expected.big64);
    expect(hit.clamped).toBeInstanceOf(Uint8ClampedArray);
    expect(hit.view).toBeInstanceOf(DataView);
    expect(hit.view.getUint8(1)).toBe(8);
    expect(hit.arrayBuffer).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(hit.arrayBuffer)).toEqual(new Uint8Array([9]));
    expect(Buffer.isBuffer(hit.buffer)).toBe(true);
    expect(hit.buffer.toString()).toBe("hello");
    expect(hit.error).toBeInstanceOf(TypeError);
    expect(hit.error.message).toBe("bad");
    expect(hit.error.cause).toEqual({ code: 1 });
    expect(hit.boxed[0]).toBeInstanceOf(Number);
    expect(hit.boxed.map((box) => box.valueOf())).toEqual([1, "s", false]);
    expect(1 in hit.sparse).toBe(false);
    expect(hit.sparse.length).toBe(3);
    expect(hit.nested).toEqual(expected.nested);
    expect(hit.cyclic.self).toBe(hit.cyclic);
    expect(hit.pair[0]).toBe(hit.pair[1]);
  });

  test("typed arrays of a hit own their memory", async () => {
    const fn = cached(makeMeta(), () => ({ a: new Uint8Array([1, 2]), b: new Float32Array([3]) }));
    await fn();
    const hit = await fn();
    expect(hit.a.buffer.byteLength).toBe(2);
    expect(hit.b.buffer.byteLength).toBe(4);
    expect(hit.a.buffer).not.toBe(hit.b.buffer);
  });
});

describe("memory tier", () => {
  test("a repeated hit decodes from memory (a fresh copy each time); a removal by another process is seen once the store's word is a second old", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    configure({ debug: true });
    const meta = makeMeta({ name: "load", file: "src/data.ts", line: 3 });
    const fn = cached(meta, () => ({ rows: [1, 2, 3] }));
    const first = await fn();
    // The first write's background prune (a new store has never been pruned) forgets memory.
    await backgroundPrune(runtime.dir());
    const second = await fn();
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    second.rows.push(4);
    expect(await fn()).toEqual({ rows: [1, 2, 3] });
    // Another process clears the store: this one's memory still holds the bytes for under a second.
    await cacache.rm.entry(runtime.dir(), entryKey(meta, []));
    vi.setSystemTime(new Date("2030-01-01T00:00:00.900Z"));
    await fn();
    expect(fn.runs).toBe(1);
    vi.setSystemTime(new Date("2030-01-01T00:00:01.100Z"));
    await fn();
    expect(fn.runs).toBe(2);
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/ \d+\.\dms/, " <t>"))).toEqual([
      "cachephant miss load (src/data.ts:3) <t>: nothing stored for this function",
      "cachephant hit load (src/data.ts:3) <t>: from the local store",
      "cachephant hit load (src/data.ts:3) <t>: from memory",
      "cachephant hit load (src/data.ts:3) <t>: from memory",
      "cachephant miss load (src/data.ts:3) <t>: new arguments",
    ]);
  });

  test("memorySize 0 turns it off: every hit reads the store", async () => {
    configure({ debug: true, memorySize: 0 });
    const fn = cached(makeMeta({ name: "load", file: "src/data.ts", line: 3 }), () => 1);
    await fn();
    await fn();
    expect(debugLines(runtime.stderr()).at(-1)).toMatch(/: from the local store$/);
  });

  test("clear() in this process forgets what memory holds at once", async () => {
    const fn = cached(makeMeta(), () => 1);
    await fn();
    await fn();
    await clear();
    await fn();
    expect(fn.runs).toBe(2);
  });
});

describe("slow keying", () => {
  test("with debug lines, a call whose keying takes over 10 ms says so once, naming its largest value", async () => {
    configure({ debug: true });
    // 200,000 rows take well over 10 ms to key on any machine.
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `row${i}` }));
    const fn = cached(
      makeMeta({ name: "summarize", paths: ["args[0]", "args[1]"] }),
      (_rows: unknown, label: unknown) => label,
    );
    await fn(rows, "a");
    await fn(rows, "a");
    const said = warnings(runtime.stderr()).filter((line) => line.includes("keying a call took"));
    expect(said).toEqual([
      expect.stringMatching(
        /summarize .*: keying a call took [\d.]+ms; the largest value is args\[0\] \(\d+ characters keyed\)\. Every call pays it/,
      ),
    ]);
  });

  test("without debug lines it says nothing", async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: i }));
    await cached(makeMeta({ name: "quiet" }), (_rows: unknown) => 1)(rows);
    expect(warnings(runtime.stderr()).filter((line) => line.includes("keying a call took"))).toEqual([]);
  });
});

describe("ttl", () => {
  test("an entry past its ttl is a miss and is written again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    configure({ debug: true });
    const fn = cached(makeMeta({ ttl: 60_000 }), () => "v");
    await fn();
    vi.setSystemTime(new Date("2030-01-01T00:00:59Z"));
    await fn();
    expect(fn.runs).toBe(1);
    vi.setSystemTime(new Date("2030-01-01T00:01:01Z"));
    await fn();
    expect(fn.runs).toBe(2);
    await fn();
    expect(fn.runs).toBe(2);
    const reasons = debugLines(runtime.stderr()).map((line) => line.replace(/ [\d.]+ms/, ""));
    expect(reasons).toEqual([
      expect.stringMatching(/^cachephant miss .*: nothing stored for this function$/),
      expect.stringMatching(/^cachephant hit /),
      expect.stringMatching(/^cachephant miss .*: expired$/),
      expect.stringMatching(/^cachephant hit /),
    ]);
  });

  test("a ttl shortened after the write applies to the entry", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const meta = makeMeta({ ttl: 3_600_000 });
    await cached(meta, () => 1)();
    vi.setSystemTime(new Date("2030-01-01T00:02:00Z"));
    const shorter = cached({ ...meta, ttl: 60_000 }, () => 2);
    expect(await shorter()).toBe(2);
  });
});

describe("switches", () => {
  test("CACHEPHANT=off runs every call uncached and writes nothing", async () => {
    process.env.CACHEPHANT = "off";
    configure({});
    const fn = cached(makeMeta(), () => ({ a: 1 }));
    await fn();
    await fn();
    expect(fn.runs).toBe(2);
    expect(await list()).toEqual([]);
  });

  test.each(["0", "false"])("CACHEPHANT=%s is off too", async (value) => {
    process.env.CACHEPHANT = value;
    configure({});
    const fn = cached(makeMeta(), () => 1);
    await fn();
    await fn();
    expect(fn.runs).toBe(2);
  });

  test("configure({ enabled: false }) runs uncached; the environment wins over it", async () => {
    configure({ enabled: false });
    const fn = cached(makeMeta(), () => 1);
    await fn();
    await fn();
    expect(fn.runs).toBe(2);
    process.env.CACHEPHANT = "on";
    configure({});
    await fn();
    await fn();
    expect(fn.runs).toBe(3);
  });

  test("a bad CACHEPHANT value is one warning and the default: calls still cache", async () => {
    process.env.CACHEPHANT = "maybe";
    configure({});
    const fn = cached(makeMeta(), () => 1);
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(1);
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: CACHEPHANT="maybe" is not understood, so it is ignored. Use off (or 0, false) to run uncached, on to cache, refresh to compute every call again and store it.',
    ]);
  });

  test("a bad CACHEPHANT_MAX_SIZE (banana) is one warning naming the variable and the format, and the default bound", async () => {
    process.env.CACHEPHANT_MAX_SIZE = "banana";
    configure({});
    const fn = cached(makeMeta(), (x: number) => x);
    expect(await fn(1)).toBe(1);
    expect(await fn(2)).toBe(2);
    expect(await fn(1)).toBe(1);
    expect(fn.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: CACHEPHANT_MAX_SIZE="banana" is not a size, so it is ignored. Use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
    ]);
    expect((await prune({ dryRun: true })).maxSize).toBe(1e9);
  });

  test("a bad maxSize from the plugin is one warning, and the next source decides", async () => {
    configure({});
    const fn = cached(makeMeta({ maxSize: "lots" }), () => 1);
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(1);
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining('the plugin option maxSize: "lots" is not a size'),
    ]);
  });
});

describe("debug lines", () => {
  test("CACHEPHANT_DEBUG=1 prints one line per call with hit or miss, the function, the time and the reason", async () => {
    process.env.CACHEPHANT_DEBUG = "1";
    configure({});
    const meta = makeMeta({ name: "loadReport", file: "src/data.ts", line: 3, hash: "h1" });
    const v1 = cached(meta, (x: number) => x);
    await v1(1);
    await v1(1);
    await v1(2);
    const v2 = cached({ ...meta, hash: "h2" }, (x: number) => x);
    await v2(1);
    await v2(3);
    const seen: unknown[] = [];
    await cached({ ...meta, paths: ["args[0]"] }, (_f: unknown) => 1)(() => seen.length);
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/ \d+\.\dms/, " <t>"))).toEqual([
      "cachephant miss loadReport (src/data.ts:3) <t>: nothing stored for this function",
      "cachephant hit loadReport (src/data.ts:3) <t>: from memory",
      "cachephant miss loadReport (src/data.ts:3) <t>: new arguments: args[0]",
      "cachephant miss loadReport (src/data.ts:3) <t>: new code",
      "cachephant miss loadReport (src/data.ts:3) <t>: new arguments: args[0]",
      "cachephant miss loadReport (src/data.ts:3) <t>: uncached: args[0] is a function that closes over seen; the key cannot see its value",
    ]);
  });

  test("a miss says what happened: nothing stored yet, a new argument value, or the one entry of a function without parameters gone", async () => {
    configure({ debug: true });
    const withArgs = cached(makeMeta({ name: "withArgs", paths: ["args[0]"] }), (x: number) => x);
    await withArgs(1);
    await withArgs(2);
    const noParamsMeta = makeMeta({ name: "noParams", paths: [] });
    const noParams = cached(noParamsMeta, () => 1);
    await noParams();
    // The writes' background prune forgets what memory holds (memory would trust the store's word for a second).
    await backgroundPrune(runtime.dir());
    // Its result goes (evicted), its marker stays: the code has results, but not this one.
    await cacache.rm.entry(runtime.dir(), entryKey(noParamsMeta, []));
    await noParams();
    const lines = debugLines(runtime.stderr()).map((line) => line.replace(/^cachephant (\w+) (\w+) .*?: /, "$1 $2: "));
    expect(lines).toEqual([
      "miss withArgs: nothing stored for this function",
      "miss withArgs: new arguments: args[0]",
      "miss noParams: nothing stored for this function",
      "miss noParams: evicted or cleared (no inputs: its one entry is gone)",
    ]);
  });

  test("a miss names the argument paths, outside variables and state that differ from the latest stored result, also in a later process", async () => {
    configure({ debug: true });
    const meta = makeMeta({
      name: "report",
      paths: ["args[0]", "args[1].retries", "args[1].unit"],
      scope: ["unit"],
      state: [["src/h.ts", "mode"]],
    });
    const values = { unit: "m", mode: "a" };
    const registerValues = () => registerState("src/h.ts", { mode: () => values.mode });
    registerValues();
    const fn = cached(
      meta,
      (_url: string, _retries: number, _unit: string) => 1,
      () => [values.unit],
    );
    await fn("a", 3, "m");
    await fn("a", 4, "m");
    forgetMarkers(); // as if the process restarted: the latest entry's parts are read from the store
    forgetStoredParts();
    values.unit = "km";
    await fn("a", 4, "m");
    values.mode = "b";
    await fn("b", 4, "m");
    const lines = debugLines(runtime.stderr()).map((line) => line.replace(/^cachephant (\w+) (\w+) .*?: /, "$1 $2: "));
    expect(lines).toEqual([
      "miss report: nothing stored for this function",
      "miss report: new arguments: args[1].retries",
      "miss report: new values: unit",
      "miss report: new arguments: args[0]; new values: mode (src/h.ts)",
    ]);
  });

  test("new code is told from the store, also in a later process", async () => {
    configure({ debug: true });
    const meta = makeMeta({ hash: "h1" });
    await cached(meta, () => 1)();
    forgetMarkers(); // as if the process restarted
    await cached({ ...meta, hash: "h2" }, () => 2)();
    expect(debugLines(runtime.stderr()).at(-1)).toMatch(/: new code$/);
  });

  test("no lines without the switch", async () => {
    const fn = cached(makeMeta(), () => 1);
    await fn();
    await fn();
    expect(runtime.stderr()).toEqual([]);
  });

  test("a call that throws says so", async () => {
    configure({ debug: true });
    await expect(
      cached(makeMeta(), () => {
        throw new Error("x");
      })(),
    ).rejects.toThrow("x");
    expect(debugLines(runtime.stderr())[0]).toMatch(/: nothing stored for this function; it threw, nothing stored$/);
  });
});

describe("faults", () => {
  async function storeOne(value: unknown) {
    const meta = makeMeta({ name: "report", line: 12 });
    const fn = cached(meta, () => value);
    await fn();
    const [entry] = (await readIndex(runtime.dir())).filter((e) => e.metadata.kind === "result");
    return { fn, file: entry!.path };
  }

  test.each([
    ["damaged", (file: string) => writeFileSync(file, "garbage that is not what was written")],
    ["truncated", (file: string) => truncateSync(file, 3)],
    ["vanished", (file: string) => rmSync(file)],
  ])("a %s content file is a miss with one warning, and the entry is rewritten", async (_, damage) => {
    // As another process finds it: this one's memory tier would serve the bytes it wrote, which are intact.
    configure({ debug: true, memorySize: 0 });
    const { fn, file } = await storeOne({ report: "x".repeat(100) });
    damage(file);
    expect(await fn()).toEqual({ report: "x".repeat(100) });
    expect(fn.runs).toBe(2);
    expect(await fn()).toEqual({ report: "x".repeat(100) });
    expect(fn.runs).toBe(2); // rewritten, so a hit again
    const ws = warnings(runtime.stderr());
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatch(
      /^cachephant: report \(src\/data\.ts:12\): a cache entry was unusable \(.+\); computing it again and rewriting it$/,
    );
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/ \d+\.\dms/, ""))).toEqual([
      "cachephant miss report (src/data.ts:12): nothing stored for this function",
      "cachephant miss report (src/data.ts:12): corrupt entry",
      "cachephant hit report (src/data.ts:12): from the local store",
    ]);
  });

  test("content that passes the integrity check but does not decode is a corrupt entry, rewritten", async () => {
    const meta = makeMeta();
    const key = entryKey(meta, []);
    await cacache.put(runtime.dir(), key, Buffer.from("not v8 data"), {
      metadata: resultMetadata(meta, Date.now()),
    });
    const fn = cached(meta, () => "fresh");
    expect(await fn()).toBe("fresh");
    expect(await fn()).toBe("fresh");
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining("could not be decoded")]);
  });

  test("a store that cannot be written: results still returned, one warning, no crash", async () => {
    // content-v2 as a file makes every content write fail (root ignores permissions, so chmod cannot).
    writeFileSync(join(runtime.dir(), "content-v2"), "");
    const a = cached(makeMeta(), (x: number) => ({ x }));
    expect(await a(1)).toEqual({ x: 1 });
    expect(await a(2)).toEqual({ x: 2 });
    expect(await cached(makeMeta(), () => "b")()).toBe("b");
    expect(a.runs).toBe(2);
    const ws = warnings(runtime.stderr());
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatch(
      /^cachephant: cannot write the cache in .+ \(E\w+: .+\); results are not stored for the rest of this process$/,
    );
  });

  test("a write that fails for one entry (its index file links to a folder that is not there) costs that result only: later results are stored", async () => {
    const meta = makeMeta();
    const fn = cached(meta, (x: number) => ({ x }));
    const digest = createHash("sha256")
      .update(entryKey(meta, [1]))
      .digest("hex");
    const bucket = join(runtime.dir(), "index-v5", digest.slice(0, 2), digest.slice(2, 4), digest.slice(4));
    mkdirSync(dirname(bucket), { recursive: true });
    symlinkSync(join(tempDir(), "gone", "bucket"), bucket);
    expect(await fn(1)).toEqual({ x: 1 });
    expect(await fn(2)).toEqual({ x: 2 });
    expect(await fn(2)).toEqual({ x: 2 });
    expect(await fn(1)).toEqual({ x: 1 });
    expect(fn.runs).toBe(3); // 1 was not stored, 2 was
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(/: result not stored \(ENOENT: .+\); later results are stored as usual$/),
    ]);
  });

  test("a result larger than half the size bound is returned, not stored, with one warning naming the function and both sizes; the store keeps its other entries", async () => {
    configure({ maxSize: 4000 });
    const small = cached(makeMeta({ name: "small" }), (n: number) => ({ n }));
    const big = cached(makeMeta({ name: "big" }), () => "x".repeat(2500));
    expect(await small(1)).toEqual({ n: 1 });
    expect(await big()).toHaveLength(2500);
    expect(await big()).toHaveLength(2500);
    expect(await small(1)).toEqual({ n: 1 });
    expect({ small: small.runs, big: big.runs }).toEqual({ small: 1, big: 2 });
    expect((await list()).map((row) => [row.name, row.entries])).toEqual([["small", 1]]);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(
        /^cachephant: big \(.+\): result not stored, so calls compute again: it takes 2\.5 KB, more than half the cache's size bound \(4\.0 KB\); raise maxSize to cache it$/,
      ),
    ]);
  });

  test("a store that cannot be read (a file in the way): calls run uncached with one warning", async () => {
    const base = tempDir();
    writeFileSync(join(base, "file"), "");
    configure({ dir: join(base, "file", "cache") });
    const fn = cached(makeMeta(), () => 5);
    expect(await fn()).toBe(5);
    expect(await fn()).toBe(5);
    expect(fn.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(/^cachephant: cannot read the cache in .+ENOTDIR/),
    ]);
  });

  test.skipIf(process.getuid?.() === 0)(
    "a read-only store directory: results still returned, one warning",
    async () => {
      const { chmodSync } = await import("node:fs");
      const dir = join(tempDir(), "ro");
      mkdirSync(dir);
      chmodSync(dir, 0o555);
      configure({ dir });
      const fn = cached(makeMeta(), (x: number) => x);
      expect(await fn(1)).toBe(1);
      expect(await fn(2)).toBe(2);
      expect(warnings(runtime.stderr())).toHaveLength(1);
    },
  );

  test("a write cut short (half an index line, a temporary file) leaves the previous entry readable", async () => {
    const meta = makeMeta();
    const fn = cached(meta, (x: number) => ({ x }));
    await fn(1);
    const digest = createHash("sha256")
      .update(entryKey(meta, [1]))
      .digest("hex");
    const bucket = join(runtime.dir(), "index-v5", digest.slice(0, 2), digest.slice(2, 4), digest.slice(4));
    expect(existsSync(bucket)).toBe(true);
    appendFileSync(bucket, '\n0123456789abcdef\t{"key":"cachephant:v1:');
    mkdirSync(join(runtime.dir(), "tmp"), { recursive: true });
    writeFileSync(join(runtime.dir(), "tmp", "half-written"), "partial");
    expect(await fn(1)).toEqual({ x: 1 });
    expect(fn.runs).toBe(1);
  });

  test("a write leaves no temporary files behind", async () => {
    await cached(makeMeta(), () => "x".repeat(1000))();
    const tmp = join(runtime.dir(), "tmp");
    expect(readdirSafe(tmp)).toEqual([]);
  });
});

describe("store directory", () => {
  test("meta.dir (the plugin's option) is used when nothing overrides it", async () => {
    configure({ dir: undefined });
    const dir = tempDir();
    process.env.CACHEPHANT_DIR = "";
    const fn = cached(makeMeta({ dir }), () => 1);
    await fn();
    expect(await list({ dir })).toHaveLength(1);
  });

  test("CACHEPHANT_DIR wins over configure() and the plugin", async () => {
    const envDir = tempDir();
    process.env.CACHEPHANT_DIR = envDir;
    configure({ dir: tempDir() });
    await cached(makeMeta({ dir: tempDir() }), () => 1)();
    expect(await list({ dir: envDir })).toHaveLength(1);
  });

  test("configure({ dir }) wins over the plugin", async () => {
    const configured = tempDir();
    configure({ dir: configured });
    await cached(makeMeta({ dir: tempDir() }), () => 1)();
    expect(await list({ dir: configured })).toHaveLength(1);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return [];
  }
}

describe("forcing a recompute", () => {
  test("CACHEPHANT=refresh computes every call and stores it over its entry; the next process reads the new result", async () => {
    let version = 1;
    const meta = makeMeta();
    const fn = cached(meta, async (x: number) => `${x}:v${version}`);
    expect(await fn(1)).toBe("1:v1");
    version = 2;
    expect(await fn(1)).toBe("1:v1"); // a hit: the key does not see `version`
    process.env.CACHEPHANT = "refresh";
    configure({});
    expect(await fn(1)).toBe("1:v2");
    expect(await fn(1)).toBe("1:v2");
    expect(fn.runs).toBe(3);
    delete process.env.CACHEPHANT;
    configure({});
    forgetMarkers(); // as if a new process
    expect(await fn(1)).toBe("1:v2");
    expect(fn.runs).toBe(3);
  });

  test("refresh(fn) recomputes the cached calls made inside it, through helpers and awaits, and no others", async () => {
    let version = 1;
    const fn = cached(makeMeta(), async (x: number) => `${x}:v${version}`);
    await fn(1);
    await fn(2);
    version = 2;
    const helper = async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return fn(x);
    };
    expect(await refresh(() => helper(1))).toBe("1:v2");
    expect(await fn(1)).toBe("1:v2"); // stored
    expect(await fn(2)).toBe("2:v1"); // not refreshed: outside refresh()
    expect(fn.runs).toBe(3);
  });

  test("a refreshing call does not join a running call of the same key, which may serve the old entry", async () => {
    let version = 1;
    const gate = deferred();
    const fn = cached(makeMeta(), async (x: number) => {
      const mine = version;
      if (mine === 2) await gate.promise;
      return `${x}:v${mine}`;
    });
    await fn(1);
    version = 2;
    const plain = fn(1); // a hit, served from the entry
    const refreshed = refresh(() => fn(1));
    gate.resolve(undefined);
    expect(await plain).toBe("1:v1");
    expect(await refreshed).toBe("1:v2");
  });

  test("CACHEPHANT=refresh is understood; a misspelled value is one warning naming it", async () => {
    process.env.CACHEPHANT = "refrsh";
    configure({});
    const fn = cached(makeMeta(), () => 1);
    await fn();
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: CACHEPHANT="refrsh" is not understood, so it is ignored. Use off (or 0, false) to run uncached, on to cache, refresh to compute every call again and store it.',
    ]);
  });
});
