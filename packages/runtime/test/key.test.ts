import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, test } from "vitest";
import { UnkeyableValueError } from "../src/index.js";
import { canonicalEncoding, entryKey, keyParts, loadSourceParser, type PartEncodings } from "../src/key/index.js";
import { makeMeta } from "./helpers.js";

// Function and class values need the core's parser (`runCached` loads it on demand).
beforeAll(() => loadSourceParser());

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

  test("objects without a prototype key apart from plain objects with the same keys (`in` and `.constructor` tell them apart)", () => {
    const bare = () => Object.assign(Object.create(null) as object, { a: 1 });
    differ(bare(), { a: 1 });
    same(bare(), bare());
    differ({ groups: bare() }, { groups: { a: 1 } });
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

  test("a built-in's own properties key beside its contents; without any, the key is the one it always was", () => {
    differ(Object.assign(new Map([[1, 2]]), { total: 2 }), Object.assign(new Map([[1, 2]]), { total: 3 }));
    differ(Object.assign(new Map(), { total: 2 }), new Map());
    differ(Object.assign(new Set([1]), { tag: "a" }), Object.assign(new Set([1]), { tag: "b" }));
    differ(Object.assign(new Date(0), { zone: "UTC" }), new Date(0));
    differ(Object.assign(new String("ab"), { note: 1 }), new String("ab"));
    same(new String("ab"), new String("ab"));
    expect(canonicalEncoding(new Map([[1, 2]]))).toBe("m1:n1;n2;");
    expect(canonicalEncoding(new Date(5))).toBe("d5;");
  });

  test("a RegExp's lastIndex keys when it is not 0 (where exec and test start)", () => {
    const at = (n: number) => Object.assign(/a/g, { lastIndex: n });
    differ(at(1), at(0));
    same(at(0), /a/g);
    expect(canonicalEncoding(/a/g)).toBe(canonicalEncoding(at(0)));
  });

  test("RegExp by source and flags", () => {
    same(/a+/g, /a+/g);
    differ(/a+/g, /a+/i);
    differ(/a+/, /a*/);
    differ(/a/, "/a/");
  });

  test("Map and Set by contents in their iteration order (observable: the order may change a result)", () => {
    differ(
      new Map<unknown, unknown>([
        ["a", 1],
        [2, { b: 3 }],
      ]),
      new Map<unknown, unknown>([
        [2, { b: 3 }],
        ["a", 1],
      ]),
    );
    same(
      new Map<unknown, unknown>([
        ["a", 1],
        [2, { b: 3 }],
      ]),
      new Map<unknown, unknown>([
        ["a", 1],
        [2, { b: 3 }],
      ]),
    );
    differ(new Map([["a", 1]]), new Map([["a", 2]]));
    differ(new Map([["a", 1]]), { a: 1 });
    differ(new Set([1, "x", 2n]), new Set([2n, 1, "x"]));
    same(new Set([1, "x", 2n]), new Set([1, "x", 2n]));
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

  test("a subclass of a built-in keys apart from the built-in, by its code", () => {
    class Tags extends Set<string> {}
    same(new Tags(["a"]), new Tags(["a"]));
    differ(new Tags(["a"]), new Set(["a"]));
    const tags = (body: string) =>
      new Function(`return class Tags extends Set { first() { return ${body}; } }`)() as new (
        items: string[],
      ) => Set<string>;
    differ(new (tags("[...this][0]"))(["a"]), new (tags("[...this][1]"))(["a"]));
  });

  // Two builds of one class: the same name, a method edited in between.
  const build = (op: ">=" | ">") =>
    new Function(`return class Db {
      constructor(rows) { this.rows = rows; }
      count(min) { return this.rows.filter((row) => row ${op} min).length; }
    }`)() as new (rows: number[]) => object;

  test("by their class's code: a method edited between builds keys apart", () => {
    const [A, B, A2] = [build(">="), build(">"), build(">=")];
    differ(new A([1, 2]), new B([1, 2]));
    same(new A([1, 2]), new A2([1, 2]));
    differ(new A([1, 2]), new A([1, 3]));
  });

  test("a superclass's code and methods assigned to a prototype later count too", () => {
    const base = (n: number) => new Function(`return class Base { size() { return ${n}; } }`)() as new () => object;
    const sub = (Base: new () => object) => class Sub extends Base {};
    const [One, Two] = [sub(base(1)), sub(base(2))];
    differ(new One(), new Two());
    const Three = sub(base(1));
    const before = canonicalEncoding(new Three());
    same(new One(), new Three());
    (Three.prototype as { extra?: unknown }).extra = function () {
      return 1;
    };
    expect(canonicalEncoding(new Three())).not.toBe(before);
  });
});

describe("what a class's source does not show", () => {
  test("static data set at run time keys an instance apart (a method reads it by the class's name)", () => {
    class Pricing {
      static rate = 1;
      constructor(readonly items: number[]) {}
      total() {
        return this.items.reduce((a, b) => a + b, 0) * Pricing.rate;
      }
    }
    const before = canonicalEncoding([new Pricing([1]), new Pricing([2])]);
    Pricing.rate = 10;
    const after = canonicalEncoding([new Pricing([1]), new Pricing([2])]);
    expect(after).not.toBe(before);
    // Written once per class in a part, not once per instance.
    expect(after.split("K1:").length - 1).toBe(1);
    Pricing.rate = 1;
    expect(canonicalEncoding([new Pricing([1]), new Pricing([2])])).toBe(before);
  });

  test("a static memo (a Map the class fills as it computes) does not change the key: only primitive statics count", () => {
    class Geo {
      static cache = new Map<string, number>();
      constructor(readonly city: string) {}
      lookup() {
        let found = Geo.cache.get(this.city);
        if (found === undefined) Geo.cache.set(this.city, (found = this.city.length));
        return found;
      }
    }
    const before = canonicalEncoding(new Geo("Paris"));
    new Geo("Paris").lookup();
    expect(canonicalEncoding(new Geo("Paris"))).toBe(before);
  });

  test("a method replaced on a class's prototype (a patch in another module) keys the class and its instances apart", () => {
    const make = () =>
      new Function(`return class Calc { run(x) { return x * 2; } }`)() as new () => { run(x: number): number };
    const [Plain, Patched, Plain2] = [make(), make(), make()];
    // Replaced at load, before the class is first keyed: an existing method stays non-enumerable.
    Patched.prototype.run = function (x: number) {
      return x * 3;
    };
    expect(Object.keys(Patched.prototype)).toEqual([]);
    same(new Plain(), new Plain2());
    differ(new Plain(), new Patched());
    expect(canonicalEncoding(Plain, "state", "state")).not.toBe(canonicalEncoding(Patched, "state", "state"));
    // A replacement that reads a module constant counts by its source, as a function in module data does.
    const Closing = make();
    const FACTOR = 3;
    Closing.prototype.run = function (x: number) {
      return x * FACTOR;
    };
    expect(() => canonicalEncoding(new Closing(), "args[0]")).not.toThrow();
    expect(() => canonicalEncoding(Closing, "state", "state")).not.toThrow();
  });

  test("an error subclass keys by its classes' text, not its name alone: an edited getter keys apart", () => {
    const make = (status: number) =>
      new Function(`return class NotFound extends Error { get status() { return ${status}; } }`)() as new (
        message: string,
      ) => Error;
    const [A, B, A2] = [make(404), make(410), make(404)];
    differ(new A("no page"), new B("no page"));
    same(new A("no page"), new A2("no page"));
    differ(new A("no page"), new A("other page"));
  });
});

describe("instances of a class whose methods read outside names", () => {
  // Two builds of one module: `class Cart { total() { return round(...) * rate } }`, with `rate` a module variable.
  const cartModule = (rate: number) =>
    new Function(`
      let rate = ${rate};
      function round(x) { return Math.round(x * 100) / 100; }
      return class Cart { constructor(items) { this.items = items; } total() { return round(this.items[0] * rate); } };
    `)() as new (items: number[]) => object;

  test("as an argument: unkeyable, naming the class and what its methods read (never keyed alike across values of rate)", () => {
    const Cart = cartModule(1);
    expect(() => canonicalEncoding(new Cart([1]), "args[0]")).toThrowError(
      "args[0] is an instance of Cart, whose methods read rate and round from outside the class; the key cannot see their values or code",
    );
    expect(() => canonicalEncoding({ cart: new Cart([1]) }, "scope.c", "closure")).toThrowError(/whose methods read/);
    expect(() => canonicalEncoding(new Cart([1]), "state.c", "state")).toThrowError(/whose methods read/);
  });

  test("in a module binding's data (its making code is in the code hash): by its class's code and data", () => {
    const [One, Two] = [cartModule(1), cartModule(2)];
    expect(canonicalEncoding(new One([1]), "m", "module")).toBe(canonicalEncoding(new Two([1]), "m", "module"));
    expect(canonicalEncoding(new One([1]), "m", "module")).not.toBe(canonicalEncoding(new One([2]), "m", "module"));
  });

  test("a superclass that reads an outside name makes its subclasses' instances unkeyable too", () => {
    const Cart = cartModule(1);
    class Basket extends Cart {}
    expect(() => canonicalEncoding(new Basket([1]), "args[0]")).toThrowError(
      /^args\[0\] is an instance of Cart, whose methods read rate and round/,
    );
  });

  test("a class that reads only `this` and known globals stays keyed; its `extends` clause is not an outside read", () => {
    const Base = new Function(`return class Base { size() { return Math.max(this.n, 0); } }`)() as new () => object;
    const Sub = new Function("Base", `return class Sub extends Base { constructor(n) { super(); this.n = n; } }`)(
      Base,
    ) as new (n: number) => object;
    same(new Sub(1), new Sub(1));
    differ(new Sub(1), new Sub(2));
  });

  test("a class value whose methods read outside names closes over them, like a function", () => {
    expect(() => canonicalEncoding(cartModule(1), "args[0]")).toThrowError(
      /^args\[0\] is a class Cart, whose methods read rate and round from outside the class/,
    );
  });
});

describe("function values", () => {
  test("by their source when it reads nothing from outside but known globals", () => {
    same(
      (x: number) => x * 2,
      (x: number) => x * 2,
    );
    differ(
      (x: number) => x * 2,
      (x: number) => x * 3,
    );
    same({ transform: (x: number) => Math.max(x, 0) }, { transform: (x: number) => Math.max(x, 0) });
    differ((x: number) => x * 2, "(x) => x * 2");
  });

  test("and by their own properties", () => {
    const tagged = (tag: string) => Object.assign((x: number) => x, { tag });
    same(tagged("a"), tagged("a"));
    differ(tagged("a"), tagged("b"));
  });

  test("built-in functions of known globals by identity", () => {
    same(Math.max, Math.max);
    differ(Math.max, Math.min);
    differ(String, Number);
    expect(canonicalEncoding(Math.max)).toBe("N8:Math.maxo0:");
  });

  test("two closures that differ only by what they capture are unkeyable, not alike", () => {
    const make = (k: number) => (x: number) => x * k;
    expect(() => canonicalEncoding(make(2), "args[0].transform")).toThrowError(
      "args[0].transform is a function that closes over k; the key cannot see its value",
    );
    expect(() => canonicalEncoding(make(3), "scope.opts", "closure")).toThrowError(/closes over k/);
  });

  test("a class as a value counts by its code", () => {
    const make = (n: number) => new Function(`return class Rate { get() { return ${n}; } }`)();
    same(make(1), make(1));
    differ(make(1), make(2));
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
    [
      "a function that closes over a variable",
      (() => {
        const k = 2;
        return (x: number) => x * k;
      })(),
      "args[0] is a function that closes over k; the key cannot see its value",
    ],
    [
      "a bound function",
      ((x: number) => x).bind(null),
      "args[0] is a bound function; the key cannot see what it is bound to",
    ],
    ["a symbol", Symbol("s"), "args[0] is a symbol"],
    ["a WeakMap", new WeakMap(), "args[0] is a WeakMap"],
    ["a WeakSet", new WeakSet(), "args[0] is a WeakSet"],
    ["a WeakRef", new WeakRef({}), "args[0] is a WeakRef"],
    ["a Promise", Promise.resolve(1), "args[0] is a Promise"],
    ["an EventEmitter", new EventEmitter(), "args[0] is a stream or event emitter"],
    ["a Node stream", Readable.from([]), "args[0] is a stream or event emitter"],
    ["a web stream", new ReadableStream(), "args[0] is a stream or event emitter"],
  ])("%s", (_, value, message) => {
    expect(reasonOf(value)).toBe(message);
  });

  const log: string[] = [];
  const closure = (line: string) => log.push(line);

  test("a class instance with a function-valued property that closes over a variable", () => {
    class Client {
      constructor(readonly onError: (line: string) => number) {}
    }
    expect(reasonOf({ client: new Client(closure) })).toBe(
      "args[0].client.onError is a function that closes over log; the key cannot see its value",
    );
  });

  test("the path goes through objects, arrays, maps and sets", () => {
    expect(reasonOf({ a: [0, { "b-c": closure }] })).toBe(
      'args[0].a[1]["b-c"] is a function that closes over log; the key cannot see its value',
    );
    expect(reasonOf(new Map([["k", { f: Symbol() }]]))).toBe('args[0].get("k").f is a symbol');
    expect(reasonOf(new Map([[closure, 1]]))).toMatch(/^args\[0\]<map key> is a function that closes over log/);
    expect(reasonOf(new Set([1, closure]))).toMatch(/^args\[0\]<set element> is a function that closes over log/);
  });

  test("entryKey prefixes the path with the value's binding path", () => {
    const meta = makeMeta({ paths: ["args[0]", "args[1].logger"] });
    expect(() => entryKey(meta, [1, { log: closure }])).toThrowError(
      "args[1].logger.log is a function that closes over log",
    );
  });

  test("an instance of a class with private fields: the key cannot read them", () => {
    class Secret {
      #token: string;
      constructor(token: string) {
        this.#token = token;
      }
      get masked() {
        return this.#token.slice(0, 1);
      }
    }
    expect(reasonOf({ auth: new Secret("a") })).toBe(
      "args[0].auth is an instance of Secret, whose private fields (#…) the key cannot read",
    );
  });

  test("a package's object with private fields (a client the build saw a package make): its class's code and public data count, its private fields and functions are the package's", () => {
    class Client {
      #apiKey: string;
      #requests = 0;
      baseURL: string;
      readonly chat: { create: (prompt: string) => Promise<string> };
      readonly send: () => number;
      constructor(apiKey: string, baseURL = "https://api.example.test") {
        this.#apiKey = apiKey;
        this.baseURL = baseURL;
        // Closes over the instance's private state: the package's own.
        this.chat = { create: async (prompt) => `${this.#apiKey.length}${prompt}${this.#requests++}` };
        this.send = function send(this: Client) {
          return this.#requests;
        }.bind(this);
      }
    }
    const made = makeMeta({ scope: ["sdk"], packageScope: [0], state: [["src/lib.ts", "sdk"]], packageState: [0] });
    const key = (sdk: Client) => entryKey(made, [], [sdk], [sdk]);
    expect(key(new Client("sk-1"))).toBe(key(new Client("sk-2"))); // private fields do not count
    expect(key(new Client("sk-1", "https://other.test"))).not.toBe(key(new Client("sk-1"))); // public data does
    // Without the build's word that a package made it, private fields make the call unkeyable.
    expect(() => entryKey(makeMeta({ scope: ["sdk"] }), [], [new Client("sk-1")])).toThrowError(
      "scope.sdk is an instance of Client, whose private fields (#…) the key cannot read",
    );
    expect(() =>
      entryKey(makeMeta({ state: [["src/lib.ts", "sdk"]] }), [], undefined, [new Client("sk-1")]),
    ).toThrowError(/^src\/lib\.ts#sdk is an instance of Client, whose private fields/);
  });

  test("an instance of a native class that is not data (a resource) is unkeyable as an argument", () => {
    expect(reasonOf(new (class Emitter extends EventEmitter {})())).toBe("args[0] is a stream or event emitter");
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
    expect(key).toMatch(/^cachephant:v2:h1:[\w-]{43}$/);
  });

  test("another code hash gives another key for the same arguments", () => {
    expect(entryKey(makeMeta({ hash: "h1" }), [1])).not.toBe(entryKey(makeMeta({ hash: "h2" }), [1]));
  });

  test("ignored indices are left out of the key, even when unkeyable", () => {
    const meta = makeMeta({ ignore: [1] });
    expect(entryKey(meta, [1, () => 1])).toBe(entryKey(meta, [1, { anything: true }]));
    expect(entryKey(meta, [1, 2])).not.toBe(entryKey(meta, [2, 2]));
  });

  test("the part digests made from the key's own encodings (a miss walks large values once) equal those of a fresh walk", () => {
    const meta = makeMeta({
      paths: ["args[0]", "args[1]", "args[2]"],
      ignore: [1],
      scope: ["rows", "make"],
      closures: [0],
    });
    const values = [{ b: [1, { c: 2n }], a: "x" }, () => 1, new Map([["k", new Set([1])]])];
    const scope = [[{ id: 1 }, { id: 2 }], function make() {}];
    const state = [{ unit: "m" }];
    const encodings: PartEncodings = [];
    entryKey(meta, values, scope, state, encodings);
    expect(encodings).toHaveLength(6);
    expect(encodings[1]).toBeUndefined();
    expect(keyParts(meta, values, scope, state, encodings)).toEqual(keyParts(meta, values, scope, state));
    expect(Object.keys(keyParts(meta, values, scope, state, encodings))).toEqual([
      "args[0]",
      "args[2]",
      "scope.rows",
      "scope.make",
      expect.stringMatching(/^state\./),
    ]);
  });

  test("the position of each value counts", () => {
    const meta = makeMeta();
    expect(entryKey(meta, [1, 2])).not.toBe(entryKey(meta, [2, 1]));
    expect(entryKey(meta, [[1], 2])).not.toBe(entryKey(meta, [[1, 2]]));
  });
});

describe("source text", () => {
  test("regular expressions, functions and classes whose sources differ only in a lone surrogate key apart", () => {
    const key = (value: unknown) => entryKey(makeMeta(), [value]);
    expect(key(new RegExp("\uD800"))).not.toBe(key(new RegExp("\uD801")));
    expect(key(new RegExp("\uD800"))).toBe(key(new RegExp("\uD800")));
    const fn = (mark: string) => new Function(`return "${mark}";`);
    expect(key(fn("\uD800"))).not.toBe(key(fn("\uD801")));
    expect(key(fn("\uD800"))).toBe(key(fn("\uD800")));
    const instance = (mark: string) => new (new Function(`return class Tag { label() { return "${mark}"; } }`)())();
    expect(key(instance("\uD800"))).not.toBe(key(instance("\uD801")));
  });
});

describe("views of a larger buffer (meta.viewBuffers)", () => {
  const pool = () => {
    const buffer = new ArrayBuffer(16);
    new Uint8Array(buffer).set(Array.from({ length: 16 }, (_, i) => i));
    return buffer;
  };

  test("without it a view keys by its own bytes: a byte changed outside it, or another offset, keys the same", () => {
    const buffer = pool();
    const meta = makeMeta();
    const before = entryKey(meta, [new Uint8Array(buffer, 4, 4)]);
    new Uint8Array(buffer)[15] = 99;
    expect(entryKey(meta, [new Uint8Array(buffer, 4, 4)])).toBe(before);
    const moved = pool();
    const copy = new Uint8Array(moved);
    copy.set([4, 5, 6, 7], 8);
    expect(entryKey(meta, [new Uint8Array(moved, 8, 4)])).toBe(before);
  });

  test("with it a view keys by its whole buffer and place: a byte changed outside it, or another offset, keys anew", () => {
    const buffer = pool();
    const meta = makeMeta({ viewBuffers: true });
    const before = entryKey(meta, [new Uint8Array(buffer, 4, 4)]);
    expect(entryKey(meta, [new Uint8Array(buffer, 4, 4)])).toBe(before);
    new Uint8Array(buffer)[15] = 99;
    expect(entryKey(meta, [new Uint8Array(buffer, 4, 4)])).not.toBe(before);
    // Equal buffers, equal places: the same key; another offset over the same bytes: another key.
    const other = pool();
    expect(entryKey(meta, [new Uint8Array(other, 4, 4)])).toBe(entryKey(meta, [new Uint8Array(pool(), 4, 4)]));
    expect(entryKey(meta, [new Uint8Array(other, 4, 4)])).not.toBe(entryKey(meta, [new Uint8Array(other, 5, 4)]));
    expect(entryKey(meta, [new DataView(other, 2, 2)])).not.toBe(entryKey(meta, [new DataView(other, 2, 3)]));
  });

  test("a view of its whole buffer keys the same either way, so entries written before stay valid", () => {
    const bytes = new Uint8Array(pool());
    expect(entryKey(makeMeta({ viewBuffers: true }), [bytes])).toBe(entryKey(makeMeta(), [bytes]));
    // Buffer.alloc has memory of its own (Buffer.from of a few bytes is a window on a shared pool).
    const own = Buffer.alloc(16);
    own.set(bytes);
    expect(entryKey(makeMeta({ viewBuffers: true }), [own])).toBe(entryKey(makeMeta(), [own]));
  });
});
