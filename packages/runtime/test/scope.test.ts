import { EventEmitter } from "node:events";
import { describe, expect, test } from "vitest";
import { configure, list } from "../src/index.js";
import { canonicalEncoding, entryKey } from "../src/key/index.js";
import { cached, debugLines, makeMeta, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

/** Debug notes that are not a call's hit or miss line. */
const notes = (lines: readonly string[]) =>
  lines.filter((line) => line.startsWith("cachephant ") && !/^cachephant (hit|miss) /.test(line));

class PrismaClient {
  queries = 0;
  constructor(readonly url: string) {}
  query = async () => [];
}
class RedisClient {
  constructor(readonly url: string) {}
}
/** As `pg`'s pool and client: event emitters, so resources. */
class PgPool extends EventEmitter {
  queries = 0;
  constructor(readonly url: string) {
    super();
  }
}
class PgClient extends EventEmitter {}

describe("scope values in the key", () => {
  test("a different value computes again, and both results are kept", async () => {
    let rate = 1;
    const price = cached(
      makeMeta({ scope: ["rate"] }),
      (amount: number) => amount * rate,
      () => [rate],
    );
    expect(await price(10)).toBe(10);
    rate = 2;
    expect(await price(10)).toBe(20);
    expect(price.runs).toBe(2);
    rate = 1;
    expect(await price(10)).toBe(10);
    rate = 2;
    expect(await price(10)).toBe(20);
    expect(price.runs).toBe(2);
    expect((await list())[0]?.entries).toBe(2);
  });

  test("the same value, deep-equal with keys in another order, is reused", async () => {
    let config: Record<string, unknown> = { base: "https://a", limits: { rows: 10, cols: [1, 2] } };
    const load = cached(
      makeMeta({ scope: ["config"] }),
      () => "v",
      () => [config],
    );
    await load();
    config = { limits: { cols: [1, 2], rows: 10 }, base: "https://a" };
    await load();
    expect(load.runs).toBe(1);
    config = { limits: { cols: [1, 2], rows: 11 }, base: "https://a" };
    await load();
    expect(load.runs).toBe(2);
  });

  test("plain data of every kind is keyed by value, as arguments are", async () => {
    const make = (n: number) => ({
      map: new Map([["k", n]]),
      set: new Set([n]),
      date: new Date(n),
      regexp: new RegExp(`a{${n}}`),
      bytes: new Uint8Array([n]),
      buffer: Buffer.from([n]),
      url: new URL(`https://example.com/${n}`),
    });
    let data = make(1);
    const fn = cached(
      makeMeta({ scope: ["data"] }),
      () => 1,
      () => [data],
    );
    await fn();
    data = make(1);
    await fn();
    expect(fn.runs).toBe(1);
    for (const key of Object.keys(data) as (keyof typeof data)[]) {
      data = { ...make(1), [key]: make(2)[key] };
      await fn();
    }
    expect(fn.runs).toBe(1 + Object.keys(data).length);
  });

  test("functions and classes in scope do not count by value", async () => {
    let helper = (x: number) => x + 1;
    let Model: new () => object = class A {};
    const fn = cached(
      makeMeta({ scope: ["helper", "Model"] }),
      () => 1,
      () => [helper, Model],
    );
    await fn();
    helper = (x: number) => x + 2;
    Model = class B {};
    await fn();
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("functions nested in a module binding's data count by their source; the data around them too", async () => {
    let options = { retries: 3, onRetry: (n: number) => n };
    const fn = cached(
      makeMeta({ scope: ["options"] }),
      () => 1,
      () => [options],
    );
    await fn();
    options = { retries: 3, onRetry: (n: number) => n };
    await fn();
    expect(fn.runs).toBe(1);
    options = { retries: 3, onRetry: (n: number) => n * 2 };
    await fn();
    expect(fn.runs).toBe(2);
    options = { retries: 4, onRetry: (n: number) => n * 2 };
    await fn();
    expect(fn.runs).toBe(3);
  });

  test("a closure variable of an enclosing function: a function in it counts by its source, or the call runs uncached", async () => {
    // makeLoader({ transform }) returns a cached function reading `opts`, a closure variable (meta.closures).
    const meta = makeMeta({
      name: "load",
      file: "src/loader.ts",
      line: 2,
      paths: ["args[0]"],
      scope: ["opts"],
      closures: [0],
    });
    const makeLoader = (opts: { transform: (x: number) => number }) =>
      cached(
        meta,
        (x: number) => opts.transform(x),
        () => [opts],
      );
    const double = makeLoader({ transform: (x) => x * 2 });
    const triple = makeLoader({ transform: (x) => x * 3 });
    expect(await double(1)).toBe(2);
    expect(await triple(1)).toBe(3);
    expect(await makeLoader({ transform: (x) => x * 2 })(1)).toBe(2);
    expect(double.runs + triple.runs).toBe(2);
    const by = (k: number) => makeLoader({ transform: (x) => x * k });
    expect(await by(4)(1)).toBe(4);
    expect(await by(5)(1)).toBe(5);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: load (src/loader.ts:2) runs uncached: scope.opts.transform is a function that closes over k; the key cannot see its value; add "ignore=opts" to its directive or pass plain data',
    ]);
    expect((await list())[0]?.entries).toBe(2);
  });

  test("a subclass of a built-in collection is data: keyed by its class and contents", async () => {
    class Tags extends Set<string> {}
    let tags = new Tags(["a"]);
    const fn = cached(
      makeMeta({ scope: ["tags"] }),
      () => 1,
      () => [tags],
    );
    await fn();
    tags = new Tags(["a"]);
    await fn();
    expect(fn.runs).toBe(1);
    tags = new Tags(["a", "b"]);
    await fn();
    expect(fn.runs).toBe(2);
  });

  test("a class instance is data: keyed by its class's code and its own data", async () => {
    let db: object = new PrismaClient("postgres://a");
    const fn = cached(
      makeMeta({ scope: ["db"] }),
      () => "rows",
      () => [db],
    );
    await fn();
    db = new PrismaClient("postgres://a"); // another instance, the same data
    await fn();
    expect(fn.runs).toBe(1);
    db = new PrismaClient("postgres://b");
    await fn();
    expect(fn.runs).toBe(2);
    db = new RedisClient("postgres://b");
    await fn();
    expect(fn.runs).toBe(3);
    (db as { url: string }).url = "postgres://c"; // mutated at run time
    await fn();
    expect(fn.runs).toBe(4);
    expect(runtime.stderr()).toEqual([]);
  });

  test("an instance nested in plain data is keyed the same way, and so is the data around it", async () => {
    let config: { retries: number; client: object } = { retries: 3, client: new PrismaClient("a") };
    const fn = cached(
      makeMeta({ scope: ["config"] }),
      () => 1,
      () => [config],
    );
    await fn();
    config = { retries: 3, client: new PrismaClient("a") };
    await fn();
    expect(fn.runs).toBe(1);
    config = { retries: 4, client: new PrismaClient("a") };
    await fn();
    expect(fn.runs).toBe(2);
    config = { retries: 4, client: new RedisClient("a") };
    await fn();
    expect(fn.runs).toBe(3);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("a resource (an event emitter, a stream, a native object) is keyed by its class only, with no warning", async () => {
    let pool: object = new PgPool("postgres://a");
    const fn = cached(
      makeMeta({ scope: ["pool"] }),
      () => "rows",
      () => [pool],
    );
    await fn();
    pool = new PgPool("postgres://b");
    (pool as PgPool).queries++;
    await fn();
    expect(fn.runs).toBe(1);
    pool = new PgClient();
    await fn();
    expect(fn.runs).toBe(2);
    expect(runtime.stderr()).toEqual([]);
  });

  test("an instance of a class with private fields cannot be read: the call runs uncached with a warning naming the class", async () => {
    class Session {
      #token = "t";
      get token() {
        return this.#token;
      }
    }
    const fn = cached(
      makeMeta({ name: "f", line: 4, scope: ["session"] }),
      () => 1,
      () => [new Session()],
    );
    await fn();
    await fn();
    expect(fn.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: f (src/data.ts:4) runs uncached: scope.session is an instance of Session, whose private fields (#…) the key cannot read; add "ignore=session" to its directive or pass plain data',
    ]);
  });

  test("values that are unkeyable as arguments are keyed by their class in scope, with no warning", async () => {
    const values = [Promise.resolve(1), new WeakMap(), Symbol("s"), new EventEmitter(), new ReadableStream()];
    const fn = cached(
      makeMeta({ scope: ["a", "b", "c", "d", "e"] }),
      () => 1,
      () => values,
    );
    await fn();
    await fn();
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("scope and arguments both count", async () => {
    let region = "eu";
    const fn = cached(
      makeMeta({ scope: ["region"] }),
      (id: number) => `${region}:${id}`,
      () => [region],
    );
    expect(await fn(1)).toBe("eu:1");
    expect(await fn(2)).toBe("eu:2");
    region = "us";
    expect(await fn(1)).toBe("us:1");
    expect(fn.runs).toBe(3);
  });

  test("meta.ignore applies to arguments only (the build leaves ignored variables out of scope)", async () => {
    let flag = 1;
    const meta = makeMeta({ paths: ["args[0]"], ignore: [0], scope: ["flag"] });
    const fn = cached(
      meta,
      (_signal: unknown) => flag,
      () => [flag],
    );
    await fn("a");
    await fn("b");
    expect(fn.runs).toBe(1);
    flag = 2;
    await fn("a");
    expect(fn.runs).toBe(2);
  });
});

describe("scope that cannot be read", () => {
  test("a throwing scope() runs the call uncached with one warning naming the function", async () => {
    configure({ debug: true });
    const meta = makeMeta({ name: "loadReport", file: "src/data.ts", line: 3, scope: ["rate"] });
    const fn = cached(
      meta,
      () => 1,
      () => {
        throw new ReferenceError("Cannot access 'rate' before initialization");
      },
    );
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(1);
    expect(fn.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([
      "cachephant: loadReport (src/data.ts:3) runs uncached: the variables it reads from outside its body could not be read (Cannot access 'rate' before initialization); is it called before a variable it reads is initialized?",
    ]);
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/ \d+\.\dms/, ""))).toEqual([
      "cachephant miss loadReport (src/data.ts:3): uncached: the variables it reads from outside its body could not be read (Cannot access 'rate' before initialization)",
      "cachephant miss loadReport (src/data.ts:3): uncached: the variables it reads from outside its body could not be read (Cannot access 'rate' before initialization)",
    ]);
    expect(await list()).toEqual([]);
  });

  test("a getter that throws inside a scope value runs uncached, naming the variable's path", async () => {
    const config = {
      get token(): string {
        throw new Error("no token yet");
      },
    };
    const fn = cached(
      makeMeta({ name: "f", line: 5, scope: ["config"] }),
      () => 1,
      () => [config],
    );
    await fn();
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: f (src/data.ts:5) runs uncached: scope.config is a value that could not be read (no token yet); add "ignore=config" to its directive or pass plain data',
    ]);
  });
});

describe("debug notes about class-keyed scope values", () => {
  test("CACHEPHANT_DEBUG says once per function and path which values count by their class only", async () => {
    process.env.CACHEPHANT_DEBUG = "1";
    configure({});
    const db = new PgPool("a");
    const config = { retries: 3, clients: [new PgClient()], cache: new Map([["main", db]]) };
    const meta = makeMeta({ name: "loadReport", file: "src/data.ts", line: 3, scope: ["db", "config", "helper"] });
    const fn = cached(
      meta,
      () => 1,
      () => [db, config, () => 1],
    );
    await fn();
    await fn();
    expect(notes(runtime.stderr())).toEqual([
      "cachephant loadReport (src/data.ts:3): scope.db is keyed by its class (PgPool) only",
      'cachephant loadReport (src/data.ts:3): scope.config.cache.get("main") is keyed by its class (PgPool) only',
      "cachephant loadReport (src/data.ts:3): scope.config.clients[0] is keyed by its class (PgClient) only",
    ]);
    expect(warnings(runtime.stderr())).toEqual([]);
    expect(debugLines(runtime.stderr())).toHaveLength(2);
  });

  test("nothing is said without the switch, or for plain data and functions", async () => {
    const fn = cached(
      makeMeta({ scope: ["db"] }),
      () => 1,
      () => [new PgPool("a")],
    );
    await fn();
    expect(runtime.stderr()).toEqual([]);
    configure({ debug: true });
    const plain = cached(
      makeMeta({ scope: ["a", "b"] }),
      () => 1,
      () => [{ x: [1] }, () => 2],
    );
    await plain();
    expect(notes(runtime.stderr())).toEqual([]);
  });
});

describe("scope keys", () => {
  const meta = makeMeta({ hash: "h", paths: ["args[0]", "args[1]"], scope: ["x"] });

  test("without scope values a call keys as it did before scope existed", () => {
    expect(entryKey(meta, [1], [])).toBe(entryKey(meta, [1]));
    expect(entryKey(meta, [1], undefined)).toBe(entryKey(meta, [1]));
  });

  test("scope values and arguments cannot stand in for each other", () => {
    expect(entryKey(meta, [1], [2])).not.toBe(entryKey(meta, [1, 2]));
    expect(entryKey(meta, [1], [2])).not.toBe(entryKey(meta, [2], [1]));
    expect(entryKey(meta, [1], [undefined])).not.toBe(entryKey(meta, [1]));
  });

  test("tokens for functions and classes differ from any data", () => {
    const scope = (value: unknown) => canonicalEncoding(value, "scope.x", "module");
    expect(scope(() => 1)).toBe(scope(class {}));
    expect(scope(() => 1)).not.toBe(scope("F"));
    expect(scope(new PrismaClient("a"))).not.toBe(scope({ url: "a" }));
    expect(scope(new PrismaClient("a"))).not.toBe(scope(new RedisClient("a")));
    expect(scope(new PgPool("a"))).toBe(scope(new PgPool("b")));
    expect(scope(new PgPool("a"))).not.toBe(scope("k6:PgPool"));
  });

  test("plain data encodes in scope exactly as in arguments", () => {
    const value = { a: [1, "x", 2n], m: new Map([[1, new Set([new Date(3)])]]), b: Buffer.from("hi") };
    expect(canonicalEncoding(value, "scope.x", "module")).toBe(canonicalEncoding(value));
  });

  test("a module namespace is keyed as a module, not by its exports", async () => {
    const scope = (value: unknown) => canonicalEncoding(value, "scope.x", "module");
    // As Rollup (and Vite's build) shapes `import * as ns`.
    const bundled = (exports: object) => Object.freeze({ __proto__: null, [Symbol.toStringTag]: "Module", ...exports });
    expect(scope(bundled({ rate: 1 }))).toBe(scope(bundled({ rate: 2, load: () => 1 })));
    expect(scope(bundled({ rate: 1 }))).toBe("k6:Module");
    // Whatever shape this test runner gives `import()`'s namespace: keyed, never an error.
    const path = await import("node:path");
    expect(() => scope(path)).not.toThrow();
    expect(() => canonicalEncoding(path)).toThrow(); // as an argument its functions are unkeyable
  });
});
