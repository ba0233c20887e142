import { describe, expect, test } from "vitest";
import { registerClassBySource, registerClasses } from "../src/classes.js";
import { hasPrivateMembers } from "../src/class-instances.js";
import { checkDecodes, decodeResult, encodeResult } from "../src/codec.js";
import { UnstorableResultError } from "../src/index.js";

const roundTrip = <T>(value: T): T => decodeResult(encodeResult(value)) as T;

function unstorable(value: unknown): string {
  try {
    encodeResult(value);
  } catch (error) {
    expect(error).toBeInstanceOf(UnstorableResultError);
    return (error as UnstorableResultError).message;
  }
  throw new Error("expected the value to be unstorable");
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}
class ColorPoint extends Point {
  constructor(
    x: number,
    y: number,
    readonly color: string,
  ) {
    super(x, y);
  }
}
registerClasses({ "test/point.ts#Point@1": () => Point, "test/point.ts#ColorPoint@1": () => ColorPoint });

describe("instances of registered classes come back as themselves", () => {
  test("an instance, nested instances and a subclass keep their class, data and methods", () => {
    const copy = roundTrip({ p: new Point(3, 4), list: [[new Point(1, 0)], new ColorPoint(0, 2, "red")] });
    expect(copy.p).toBeInstanceOf(Point);
    expect(copy.p.norm()).toBe(5);
    expect((copy.list[0] as Point[])[0]).toBeInstanceOf(Point);
    const colored = copy.list[1] as ColorPoint;
    expect(colored).toBeInstanceOf(ColorPoint);
    expect(colored).toBeInstanceOf(Point);
    expect([colored.color, colored.norm()]).toEqual(["red", 2]);
  });

  test("shared and cyclic instances stay shared and cyclic", () => {
    const p = new Point(1, 1) as Point & { self?: unknown };
    p.self = p;
    const copy = roundTrip([p, p]);
    expect(copy[0]).toBe(copy[1]);
    expect(copy[0]!.self).toBe(copy[0]);
    expect(copy[0]).toBeInstanceOf(Point);
  });

  test("no constructor runs on the way back, and each read gives a fresh instance", () => {
    let made = 0;
    class Counted {
      value = 1;
      constructor() {
        made++;
      }
    }
    const id = registerClassBySource(Counted);
    expect(id).toMatch(/^Counted@[0-9a-f]{16}$/);
    const bytes = encodeResult(new Counted());
    const first = decodeResult(bytes) as Counted;
    const second = decodeResult(bytes) as Counted;
    expect(made).toBe(1);
    expect(first).toBeInstanceOf(Counted);
    expect(first).not.toBe(second);
  });

  test("a result without class instances is written as v8 writes it", () => {
    expect(encodeResult({ a: 1 })[0]).toBe(0xff);
  });

  test("bytes naming a class this process has not registered do not decode (the entry is computed again)", () => {
    class Gone {}
    registerClasses({ "test/gone.ts#Gone@1": () => Gone });
    const bytes = Buffer.from(encodeResult(new Gone()));
    const at = bytes.indexOf("gone.ts");
    bytes.write("nope.ts", at);
    expect(() => decodeResult(bytes)).toThrow(/its class test\/nope\.ts#Gone@1 is not registered/);
    // Sound bytes all the same: a process without the program's classes (cachephant verify) finds no damage.
    expect(() => checkDecodes(bytes)).not.toThrow();
    expect(() => checkDecodes(bytes.subarray(0, bytes.length - 4))).toThrow();
  });
});

describe("instances that would not come back whole are refused", () => {
  test("a registered class with private fields", () => {
    class Secret {
      #key = 1;
      get key(): number {
        return this.#key;
      }
    }
    registerClassBySource(Secret);
    expect(unstorable({ s: new Secret() })).toMatch(
      /^result\.s is an instance of Secret, whose class Secret has private members \(#…\)/,
    );
  });

  test("a subclass of a class with private fields", () => {
    class Base {
      #hidden = 2;
      hidden(): number {
        return this.#hidden;
      }
    }
    class Derived extends Base {}
    registerClassBySource(Derived);
    expect(unstorable(new Derived())).toMatch(
      /^result is an instance of Derived, whose class Base has private members/,
    );
  });

  test("a registered subclass of a built-in", () => {
    class Registry extends Map<string, number> {}
    registerClassBySource(Registry);
    expect(unstorable(new Registry())).toMatch(/^result is an instance of Registry, which extends Map, a built-in/);
  });

  test("an instance with a non-enumerable property", () => {
    const p = new Point(1, 2);
    Object.defineProperty(p, "hidden", { value: 1, enumerable: false });
    expect(unstorable(p)).toMatch(/^result is an instance of Point with a non-enumerable property \(hidden\)/);
  });

  test("data inside an instance is checked like any object's", () => {
    const p = new Point(1, 2) as Point & { f?: unknown };
    p.f = () => 1;
    expect(unstorable([p])).toBe("result[0].f is a function");
  });
});

test("private members are found in code, not in strings or comments", () => {
  expect(hasPrivateMembers("class A { #x = 1 }")).toBe(true);
  expect(hasPrivateMembers("class A { #m() {} }")).toBe(true);
  expect(hasPrivateMembers("class A { f() { return __privateGet(this, _x); } }")).toBe(true);
  expect(hasPrivateMembers('class A { color = "#fff"; /* #x */ f() { return `#${1}`; } }')).toBe(false);
});
