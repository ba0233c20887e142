import { describe, expect, test } from "vitest";
import { decodeResult, encodeResult } from "../src/codec.js";
import { UnstorableResultError } from "../src/index.js";

const roundTrip = <T>(value: T): T => decodeResult(encodeResult(value)) as T;

function unstorable(value: unknown): string {
  try {
    encodeResult(value);
  } catch (error) {
    expect(error).toBeInstanceOf(UnstorableResultError);
    expect((error as UnstorableResultError).code).toBe("CACHEPHANT_UNSTORABLE");
    return (error as UnstorableResultError).message;
  }
  throw new Error("expected the value to be unstorable");
}

describe("encodeResult refuses what would come back changed", () => {
  class Client {
    constructor(readonly url: string) {}
  }

  test.each([
    ["a function", () => 1, "result is a function"],
    ["a symbol", Symbol("s"), "result is a symbol"],
    [
      "an instance of a class no one registered",
      new Client("x"),
      "result is an instance of Client, a class the cache does not know, so it would come back as a plain object (the build registers the top-level classes of the project that a cached function reaches, not a class declared inside a function or in a package; with cached(), list it: cached(fn, { classes: [Client] }); or return plain data)",
    ],
    ["a URL", new URL("https://example.com"), "result is a URL (return url.href instead)"],
    ["a Promise", Promise.resolve(1), "result is a Promise (await it before returning)"],
    ["a WeakMap", new WeakMap(), "result is a WeakMap"],
    [
      "a subclass of Map",
      new (class Registry extends Map {})(),
      "result is an instance of Registry, a class the cache does not know, so it would come back as a plain object (the build registers the top-level classes of the project that a cached function reaches, not a class declared inside a function or in a package; with cached(), list it: cached(fn, { classes: [Registry] }); or return plain data)",
    ],
  ])("%s", (_, value, message) => {
    expect(unstorable(value)).toBe(message);
  });

  test("the path leads to the culprit", () => {
    expect(unstorable({ items: [1, 2, { client: new Client("x") }] })).toMatch(
      /^result\.items\[2\]\.client is an instance of Client/,
    );
    expect(unstorable(new Map([["k", { f() {} }]]))).toBe('result.get("k").f is a function');
    expect(unstorable(new Set([Symbol()]))).toBe("result<set element> is a symbol");
    expect(unstorable({ "a b": [() => 1] })).toBe('result["a b"][0] is a function');
  });

  test("an Error with properties v8 drops is refused; a plain one is fine", () => {
    const withCode = Object.assign(new Error("x"), { code: "E1" });
    expect(unstorable({ error: withCode })).toMatch(
      /^result\.error is an Error with a property v8 does not store \(code\)/,
    );
    class MyError extends Error {}
    expect(unstorable(new MyError("x"))).toMatch(/^result is an instance of MyError/);
    expect(unstorable(new Error("x", { cause: () => 1 }))).toBe("result.cause is a function");
    expect(() => encodeResult(new RangeError("fine", { cause: new Error("inner") }))).not.toThrow();
  });

  test("symbol-keyed properties would be lost, so they are refused", () => {
    expect(unstorable({ a: { [Symbol("tag")]: 1 } })).toMatch(/^result\.a is an object with a symbol key/);
  });

  test("a non-enumerable property of a plain object would be lost, so it is refused", () => {
    const hidden = Object.defineProperty({ a: 1 }, "secret", { value: 2, enumerable: false });
    expect(unstorable({ rows: [hidden] })).toBe(
      "result.rows[0] is an object with a non-enumerable property (secret), which would be lost; make it enumerable or leave it out",
    );
  });

  test("a Date's or RegExp's own property, and a RegExp's lastIndex, would be lost, so they are refused", () => {
    expect(unstorable({ at: Object.assign(new Date(0), { zone: "UTC" }) })).toMatch(
      /^result\.at is a Date with a property v8 does not store \(zone\)/,
    );
    const used = /a/g;
    used.test("aa");
    expect(unstorable([used])).toBe(
      "result[0] is a RegExp whose lastIndex is 1, which would come back as 0; reset it first",
    );
    expect(roundTrip(/a/g).flags).toBe("g");
  });

  test("a Map's, Set's, ArrayBuffer's or boxed primitive's own property would be lost, so it is refused", () => {
    expect(unstorable(Object.assign(new Map([[1, 2]]), { total: 3 }))).toMatch(
      /^result is a Map with a property v8 does not store \(total\)/,
    );
    expect(unstorable({ s: Object.assign(new Set(), { tag: "x" }) })).toMatch(/^result\.s is a Set with a property/);
    expect(unstorable(Object.assign(new ArrayBuffer(2), { kind: "x" }))).toMatch(
      /^result is an ArrayBuffer with a property v8 does not store \(kind\)/,
    );
    expect(unstorable(Object.assign(new String("ab"), { note: 1 }))).toMatch(
      /^result is a String with a property v8 does not store \(note\)/,
    );
    expect(roundTrip(new String("ab")).valueOf()).toBe("ab");
    expect(roundTrip(new Map([[1, 2]])).get(1)).toBe(2);
  });

  test("cycles and shared references are checked once and kept", () => {
    const node: Record<string, unknown> = {};
    node.next = { back: node };
    const copy = roundTrip(node) as { next: { back: unknown } };
    expect(copy.next.back).toBe(copy);
  });
});

describe("decodeResult", () => {
  test("Buffer comes back as a Buffer with memory of its own", () => {
    const bytes = encodeResult({ a: Buffer.from("one"), b: Buffer.from("two") });
    const first = decodeResult(bytes) as { a: Buffer; b: Buffer };
    const second = decodeResult(bytes) as { a: Buffer; b: Buffer };
    expect(Buffer.isBuffer(first.a)).toBe(true);
    expect(first.a.toString()).toBe("one");
    first.a[0] = 0;
    expect(second.a.toString()).toBe("one");
  });

  test("a typed array view comes back as just its bytes", () => {
    const view = new Uint32Array([1, 2, 3, 4]).subarray(1, 3);
    const copy = roundTrip(view);
    expect(copy).toEqual(new Uint32Array([2, 3]));
    expect(copy.buffer.byteLength).toBe(8);
  });

  test("an object without a prototype comes back without one (v8 alone gives it Object.prototype)", () => {
    const counts = Object.assign(Object.create(null) as Record<string, number>, { apple: 2 });
    const copy = roundTrip({ counts });
    expect(Object.getPrototypeOf(copy.counts)).toBeNull();
    expect(copy.counts).toEqual(counts);
    expect("constructor" in copy.counts).toBe(false);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  test("frozen, sealed and non-extensible objects come back so, the rest mutable as before", () => {
    const frozen = Object.freeze({ a: 1, list: Object.freeze([1, 2]) });
    const sealed = Object.seal({ b: 2 });
    const closed = Object.preventExtensions({ c: 3 });
    const copy = roundTrip({ frozen, sealed, closed, open: { d: 4 } });
    expect(Object.isFrozen(copy.frozen)).toBe(true);
    expect(Object.isFrozen(copy.frozen.list)).toBe(true);
    expect(Object.isFrozen(copy.sealed)).toBe(false);
    expect(Object.isSealed(copy.sealed)).toBe(true);
    expect(Object.isSealed(copy.closed)).toBe(false);
    expect(Object.isExtensible(copy.closed)).toBe(false);
    expect(Object.isExtensible(copy.open)).toBe(true);
    expect(Object.isExtensible(copy)).toBe(true);
    expect(copy).toEqual({ frozen, sealed, closed, open: { d: 4 } });
  });

  test("a frozen object without a prototype gets its prototype back before it is frozen again", () => {
    const copy = roundTrip(Object.freeze(Object.assign(Object.create(null) as object, { a: 1 })));
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.isFrozen(copy)).toBe(true);
  });

  test("bytes that are not a value throw", () => {
    expect(() => decodeResult(Buffer.from("not v8"))).toThrow();
  });
});

test("bytes in another engine's format (Bun writes JavaScriptCore's) are refused, not read as something else", () => {
  expect(() => decodeResult(Uint8Array.from([0x0e, 0x00, 0x00, 0x00, 0x05]))).toThrow(/not in V8's format/);
  expect(decodeResult(encodeResult({ a: 1 }))).toEqual({ a: 1 });
});
