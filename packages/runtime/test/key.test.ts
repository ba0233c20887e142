import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { UnkeyableValueError } from "../src/index.js";
import { canonicalEncoding, entryKey } from "../src/key.js";
import { makeMeta } from "./helpers.js";

const same = (a: unknown, b: unknown) => expect(canonicalEncoding(a)).toBe(canonicalEncoding(b));
const differ = (a: unknown, b: unknown) => expect(canonicalEncoding(a)).not.toBe(canonicalEncoding(b));

describe("primitives", () => {
  test("by type and value: 1, '1' and 1n differ", () => {
    differ(1, "1");
    differ(1, 1n);
    differ("1", 1n);
    differ(true, 1);
    differ(true, "t");
    same(1, 1);
    same("a", "a");
    same(10n ** 30n, 10n ** 30n);
  });

  test("NaN equals NaN; -0 differs from 0; undefined differs from null", () => {
    same(Number.NaN, Number.NaN);
    same(0 / 0, Number("x"));
    differ(-0, 0);
    differ(undefined, null);
    differ(Infinity, -Infinity);
    same(1e21, 1e21);
  });

  test("strings are length-prefixed, so concatenations do not collide", () => {
    differ(["ab", "c"], ["a", "bc"]);
    differ({ a: "b" }, { ab: "" });
    differ("s1:", ["s1:"]);
    differ("", [""]);
  });
});

describe("objects and arrays", () => {
  test("plain objects by own enumerable string keys in any order, nested", () => {
    same({ a: 1, b: { c: 2, d: [1] } }, { b: { d: [1], c: 2 }, a: 1 });
    differ({ a: 1 }, { a: 1, b: undefined });
    differ({ a: 1 }, { a: "1" });
    same({ 10: "x", 2: "y" }, { 2: "y", 10: "x" });
  });

  test("objects without a prototype key like plain objects", () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    same(bare, { a: 1 });
  });

  test("non-enumerable and symbol-keyed properties are left out", () => {
    const hidden = { a: 1 };
    Object.defineProperty(hidden, "secret", { value: 2, enumerable: false });
    same(hidden, { a: 1 });
    same({ a: 1, [Symbol("s")]: 2 }, { a: 1 });
  });

  test("arrays in order, holes as undefined", () => {
    differ([1, 2], [2, 1]);
    // eslint-disable-next-line no-sparse-arrays
    same([1, , 3], [1, undefined, 3]);
    differ([1], [1, undefined]);
    differ([], {});
  });

  test("cycles key by back-reference; equal shapes key alike", () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const b: Record<string, unknown> = { n: 1 };
    b.self = b;
    same(a, b);
    const c: Record<string, unknown> = { n: 1, self: { n: 1 } };
    differ(a, c);
    const list: unknown[] = [1];
    list.push(list);
    expect(() => canonicalEncoding(list)).not.toThrow();
  });

  test("a value seen twice but not in a cycle keys like two copies", () => {
    const shared = { x: 1 };
    same({ a: shared, b: shared }, { a: { x: 1 }, b: { x: 1 } });
  });
});

describe("built-ins", () => {
  test("Date by time; invalid dates equal", () => {
    same(new Date(5), new Date(5));
    differ(new Date(5), new Date(6));
    same(new Date(Number.NaN), new Date("nope"));
    differ(new Date(5), 5);
  });

  test("RegExp by source and flags", () => {
    same(/a+/g, /a+/g);
    differ(/a+/g, /a+/i);
    differ(/a+/, /a*/);
    differ(/a/, "/a/");
  });

  test("Map and Set by contents, whatever the insertion order", () => {
    same(
      new Map<unknown, unknown>([
        ["a", 1],
        [2, { b: 3 }],
      ]),
      new Map<unknown, unknown>([
        [2, { b: 3 }],
        ["a", 1],
      ]),
    );
    differ(new Map([["a", 1]]), new Map([["a", 2]]));
    differ(new Map([["a", 1]]), { a: 1 });
    same(new Set([1, "x", 2n]), new Set([2n, 1, "x"]));
    differ(new Set([1]), new Set(["1"]));
    differ(new Set([1]), [1]);
  });

  test("binary by type and bytes", () => {
    same(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]));
    differ(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]));
    differ(new Uint8Array([1, 2]), new Int8Array([1, 2]));
    differ(Buffer.from([1, 2]), new Uint8Array([1, 2]));
    same(Buffer.from("hello"), Buffer.from("hello"));
    differ(new Uint16Array([1]), new Uint8Array([1, 0]));
    same(new DataView(new Uint8Array([9, 8]).buffer), new DataView(new Uint8Array([9, 8]).buffer));
    differ(new DataView(new Uint8Array([9, 8]).buffer), new Uint8Array([9, 8]));
    same(new Uint8Array([4, 5]).buffer, new Uint8Array([4, 5]).buffer);
    differ(new Uint8Array([4, 5]).buffer, new Uint8Array([4, 5]));
  });

  test("a view keys by its own bytes, not the buffer around it", () => {
    const whole = Buffer.from([0, 1, 2, 3, 4]);
    same(whole.subarray(1, 3), Buffer.from([1, 2]));
    same(new Float64Array([1.5, 2.5]).subarray(1), new Float64Array([2.5]));
  });

  test("large binary values key by their bytes too", () => {
    const big = Buffer.alloc(100_000, 7);
    const copy = Buffer.from(big);
    same(big, copy);
    copy[99_999] = 8;
    differ(big, copy);
    // Just over and under the inline limit.
    differ(Buffer.alloc(256, 1), Buffer.alloc(257, 1));
    same(Buffer.alloc(257, 1), Buffer.alloc(257, 1));
  });

  test("URL by href", () => {
    same(new URL("https://example.com/a?b=1"), new URL("https://example.com/a?b=1"));
    differ(new URL("https://example.com/a"), new URL("https://example.com/b"));
    differ(new URL("https://example.com/a"), "https://example.com/a");
  });

  test("boxed primitives by value, apart from the primitive", () => {
    same(new Number(1), new Number(1));
    differ(new Number(1), 1);
    differ(new String("a"), "a");
    differ(new Number(1), new String("1"));
    same(Object(2n), Object(2n));
  });

  test("errors by class, message and data", () => {
    same(new TypeError("x"), new TypeError("x"));
    differ(new TypeError("x"), new RangeError("x"));
    differ(new Error("x"), new Error("y"));
    differ(Object.assign(new Error("x"), { code: 1 }), new Error("x"));
  });
});

describe("class instances", () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    norm() {
      return Math.hypot(this.x, this.y);
    }
  }
  class Vector {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }

  test("by class name and own enumerable data", () => {
    same(new Point(1, 2), new Point(1, 2));
    differ(new Point(1, 2), new Point(2, 1));
    differ(new Point(1, 2), new Vector(1, 2));
    differ(new Point(1, 2), { x: 1, y: 2 });
  });

  test("a subclass of a built-in keys apart from the built-in", () => {
    class Tags extends Set<string> {}
    same(new Tags(["a"]), new Tags(["a"]));
    differ(new Tags(["a"]), new Set(["a"]));
  });
});

describe("unkeyable values", () => {
  const reasonOf = (value: unknown) => {
    try {
      canonicalEncoding(value, "args[0]");
    } catch (error) {
      expect(error).toBeInstanceOf(UnkeyableValueError);
      expect((error as UnkeyableValueError).code).toBe("CACHEPHANT_UNKEYABLE");
      return (error as UnkeyableValueError).message;
    }
    throw new Error("expected the value to be unkeyable");
  };

  test.each([
    ["a function", () => 1, "args[0] is a function"],
    ["a symbol", Symbol("s"), "args[0] is a symbol"],
    ["a WeakMap", new WeakMap(), "args[0] is a WeakMap"],
    ["a WeakSet", new WeakSet(), "args[0] is a WeakSet"],
    ["a WeakRef", new WeakRef({}), "args[0] is a WeakRef"],
    ["a Promise", Promise.resolve(1), "args[0] is a Promise"],
    ["an EventEmitter", new EventEmitter(), "args[0] is a stream or event emitter"],
    ["a Node stream", Readable.from([]), "args[0] is a stream or event emitter"],
    ["a web stream", new ReadableStream(), "args[0] is a stream or event emitter"],
    ["a thenable", { then: () => {} }, "args[0].then is a function"],
  ])("%s", (_, value, message) => {
    expect(reasonOf(value)).toBe(message);
  });

  test("a class instance with a function-valued property", () => {
    class Client {
      onError = () => {};
    }
    expect(reasonOf({ client: new Client() })).toBe("args[0].client.onError is a function");
  });

  test("the path goes through objects, arrays, maps and sets", () => {
    expect(reasonOf({ a: [0, { "b-c": () => {} }] })).toBe('args[0].a[1]["b-c"] is a function');
    expect(reasonOf(new Map([["k", { f: Symbol() }]]))).toBe('args[0].get("k").f is a symbol');
    expect(reasonOf(new Map([[() => {}, 1]]))).toBe("args[0]<map key> is a function");
    expect(reasonOf(new Set([1, () => {}]))).toBe("args[0]<set element> is a function");
  });

  test("entryKey prefixes the path with the value's binding path", () => {
    const meta = makeMeta({ paths: ["args[0]", "args[1].logger"] });
    expect(() => entryKey(meta, [1, { log: () => {} }])).toThrowError("args[1].logger.log is a function");
  });

  test("a getter that throws makes the value unkeyable, not the call fail", () => {
    const value = {
      get boom(): number {
        throw new Error("no");
      },
    };
    expect(reasonOf(value)).toMatch(/^args\[0\] is a value that could not be read \(no\)/);
  });
});

describe("entryKey", () => {
  test("prefixes the code hash, so keys of one function version can be found", () => {
    const key = entryKey(makeMeta({ hash: "h1" }), [1]);
    expect(key).toMatch(/^cachephant:v1:h1:[\w-]{43}$/);
  });

  test("another code hash gives another key for the same arguments", () => {
    expect(entryKey(makeMeta({ hash: "h1" }), [1])).not.toBe(entryKey(makeMeta({ hash: "h2" }), [1]));
  });

  test("ignored indices are left out of the key, even when unkeyable", () => {
    const meta = makeMeta({ ignore: [1] });
    expect(entryKey(meta, [1, () => 1])).toBe(entryKey(meta, [1, { anything: true }]));
    expect(entryKey(meta, [1, 2])).not.toBe(entryKey(meta, [2, 2]));
  });

  test("the position of each value counts", () => {
    const meta = makeMeta();
    expect(entryKey(meta, [1, 2])).not.toBe(entryKey(meta, [2, 1]));
    expect(entryKey(meta, [[1], 2])).not.toBe(entryKey(meta, [[1, 2]]));
  });
});
