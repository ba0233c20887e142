import fs, { mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import cacache from "cacache";
import { describe, expect, test } from "vitest";
import { cached as wrap, configure } from "../src/index.js";
import { encodeEntry, parseHead } from "../src/remote/format.js";
import { isRecording } from "../src/inputs/index.js";
import { storedPath, packageFolder } from "../src/inputs/fingerprint.js";
import { cached, debugLines, makeMeta, tempDir, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();
const debug = () => configure({ debug: true });
const lastReason = () => debugLines(runtime.stderr()).at(-1) ?? "";
let hashes = 0;
/** Meta of a new function (its own code hash, so its own keys). */
const meta = (overrides: Parameters<typeof makeMeta>[0] = {}) =>
  makeMeta({ hash: `inputs-${(hashes += 1)}`, ...overrides });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("recording and checking run-time inputs", () => {
  test("an environment variable read while computing: changed is a miss naming it, unchanged a hit", async () => {
    debug();
    process.env.INPUTS_TEST_API = "a";
    const helper = () => process.env.INPUTS_TEST_API;
    const load = cached(meta(), async () => `url=${helper()}`);
    try {
      expect(await load()).toBe("url=a");
      expect(await load()).toBe("url=a");
      expect(load.runs).toBe(1);
      process.env.INPUTS_TEST_API = "b";
      expect(await load()).toBe("url=b");
      expect(load.runs).toBe(2);
      expect(lastReason()).toMatch(/miss .*: env INPUTS_TEST_API changed$/);
      delete process.env.INPUTS_TEST_API;
      expect(await load()).toBe("url=undefined");
      expect(await load()).toBe("url=undefined");
      expect(load.runs).toBe(3);
    } finally {
      delete process.env.INPUTS_TEST_API;
    }
  });

  test("`in` and enumeration of process.env are recorded too", async () => {
    const has = cached(meta(), async () => "INPUTS_TEST_FLAG" in process.env);
    const keys = cached(meta(), async () => Object.keys(process.env).includes("INPUTS_TEST_OTHER"));
    try {
      expect(await has()).toBe(false);
      expect(await keys()).toBe(false);
      process.env.INPUTS_TEST_FLAG = "1";
      process.env.INPUTS_TEST_OTHER = "1";
      expect(await has()).toBe(true);
      expect(await keys()).toBe(true);
      expect(has.runs + keys.runs).toBe(4);
    } finally {
      delete process.env.INPUTS_TEST_FLAG;
      delete process.env.INPUTS_TEST_OTHER;
    }
  });

  test("a file read with readFileSync: edited is a miss naming it; touched with the same content is a hit", async () => {
    debug();
    const dir = tempDir();
    const file = join(dir, "data.csv");
    writeFileSync(file, "1,2");
    const load = cached(meta(), async () => readFileSync(file, "utf8").split(","));
    expect(await load()).toEqual(["1", "2"]);
    expect(await load()).toEqual(["1", "2"]);
    expect(load.runs).toBe(1);
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(await load()).toEqual(["1", "2"]);
    expect(load.runs).toBe(1);
    writeFileSync(file, "3,4");
    expect(await load()).toEqual(["3", "4"]);
    expect(load.runs).toBe(2);
    expect(lastReason()).toContain(`: input changed: ${storedPath(file, process.cwd())}`);
  });

  test("same size, new content and a new mtime is a miss (the content is hashed)", async () => {
    const dir = tempDir();
    const file = join(dir, "n.txt");
    writeFileSync(file, "aaaa");
    const load = cached(meta(), async () => fs.readFileSync(file, "utf8"));
    expect(await load()).toBe("aaaa");
    writeFileSync(file, "bbbb");
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(await load()).toBe("bbbb");
  });

  test("a file rewritten with the same size and the same mtime right after it was read is a miss (a racily clean file's content is compared)", async () => {
    const dir = tempDir();
    const file = join(dir, "racy.txt");
    writeFileSync(file, "aaaa");
    const stamp = new Date(Math.floor(Date.now())); // a whole millisecond, which utimes sets exactly
    utimesSync(file, stamp, stamp);
    const mtime = statSync(file).mtimeMs;
    const load = cached(meta(), async () => fs.readFileSync(file, "utf8"));
    expect(await load()).toBe("aaaa");
    // The same size, and the mtime set back to what it was: as a write inside one tick of the file system's clock.
    writeFileSync(file, "bbbb");
    utimesSync(file, stamp, stamp);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(await load()).toBe("bbbb");
    expect(load.runs).toBe(2);
  });

  test("callback, promise and stream reads, stat and existence are recorded", async () => {
    const dir = tempDir();
    const file = join(dir, "f.txt");
    writeFileSync(file, "one");
    const viaPromise = cached(meta(), async () => readFile(file, "utf8"));
    const viaCallback = cached(meta(), async () => promisify(fs.readFile)(file, "utf8"));
    const viaStream = cached(meta(), async () => {
      let text = "";
      for await (const chunk of fs.createReadStream(file, "utf8")) text += chunk;
      return text;
    });
    const viaHandle = cached(meta(), async () => {
      const handle = await fs.promises.open(file);
      try {
        return await handle.readFile("utf8");
      } finally {
        await handle.close();
      }
    });
    const exists = cached(meta(), async () => fs.existsSync(join(dir, "later.txt")));
    const size = cached(meta(), async () => statSync(file).size);
    const all = () => Promise.all([viaPromise(), viaCallback(), viaStream(), viaHandle(), exists(), size()]);
    expect(await all()).toEqual(["one", "one", "one", "one", false, 3]);
    expect(await all()).toEqual(["one", "one", "one", "one", false, 3]);
    writeFileSync(file, "three");
    writeFileSync(join(dir, "later.txt"), "");
    expect(await all()).toEqual(["three", "three", "three", "three", true, 5]);
    for (const fn of [viaPromise, viaCallback, viaStream, viaHandle, exists, size]) expect(fn.runs).toBe(2);
  });

  test("a missing file is recorded as missing: creating it is a miss", async () => {
    const dir = tempDir();
    const file = join(dir, "opt.json");
    const load = cached(meta(), async () => {
      try {
        return readFileSync(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        return "default";
      }
    });
    expect(await load()).toBe("default");
    expect(await load()).toBe("default");
    writeFileSync(file, "custom");
    expect(await load()).toBe("custom");
    expect(load.runs).toBe(2);
  });

  test("a directory listing that gained a file is a miss naming it", async () => {
    debug();
    const dir = tempDir();
    const data = join(dir, "data");
    mkdirSync(data);
    writeFileSync(join(data, "a.csv"), "");
    const sync = cached(meta(), async () => readdirSync(data).length);
    const viaPromise = cached(meta(), async () => (await fs.promises.readdir(data)).length);
    const viaOpendir = cached(meta(), async () => {
      let n = 0;
      for await (const _ of await fs.promises.opendir(data)) n += 1;
      return n;
    });
    const all = () => Promise.all([sync(), viaPromise(), viaOpendir()]);
    expect(await all()).toEqual([1, 1, 1]);
    expect(await all()).toEqual([1, 1, 1]);
    writeFileSync(join(data, "b.csv"), "");
    expect(await all()).toEqual([2, 2, 2]);
    expect(sync.runs + viaPromise.runs + viaOpendir.runs).toBe(6);
    expect(
      debugLines(runtime.stderr()).some((line) =>
        line.endsWith(`directory listing changed: ${storedPath(data, process.cwd())}/`),
      ),
    ).toBe(true);
  });

  test("argv and cwd", async () => {
    debug();
    const arg = cached(meta(), async () => process.argv.length);
    const cwd = cached(meta(), async () => process.cwd());
    const saved = process.argv.slice();
    const where = process.cwd();
    try {
      expect(await arg()).toBe(saved.length);
      expect(await cwd()).toBe(where);
      process.argv.push("--extra");
      expect(await arg()).toBe(saved.length + 1);
      expect(lastReason()).toMatch(/: argv changed$/);
      process.chdir(tempDir());
      expect(await cwd()).not.toBe(where);
      expect(lastReason()).toMatch(/: cwd changed$/);
      expect(arg.runs + cwd.runs).toBe(4);
    } finally {
      process.argv.splice(saved.length);
      process.chdir(where);
    }
  });

  test("concurrent calls each record only their own reads", async () => {
    const dir = tempDir();
    const a = join(dir, "a.txt");
    const b = join(dir, "b.txt");
    writeFileSync(a, "a1");
    writeFileSync(b, "b1");
    // Interleaved awaits: each reads its file after the other has started.
    const readA = cached(meta(), async () => {
      await sleep(5);
      const text = readFileSync(a, "utf8");
      await sleep(10);
      return text;
    });
    const readB = cached(meta(), async () => {
      await sleep(1);
      const text = await readFile(b, "utf8");
      await sleep(5);
      return text;
    });
    expect(await Promise.all([readA(), readB()])).toEqual(["a1", "b1"]);
    writeFileSync(a, "a2");
    expect(await Promise.all([readA(), readB()])).toEqual(["a2", "b1"]);
    expect([readA.runs, readB.runs]).toEqual([2, 1]);
    writeFileSync(b, "b2");
    expect(await Promise.all([readA(), readB()])).toEqual(["a2", "b2"]);
    expect([readA.runs, readB.runs]).toEqual([2, 2]);
  });

  test("a nested cached call's inputs belong to the outer call, when it computes and when it hits", async () => {
    const dir = tempDir();
    const file = join(dir, "rate.txt");
    writeFileSync(file, "2");
    const inner = cached(meta(), async () => Number(readFileSync(file, "utf8")));
    const outerComputing = cached(meta(), async (x: number) => x * (await inner()));
    const outerHitting = cached(meta(), async (x: number) => x + (await inner()));
    expect(await outerComputing(10)).toBe(20); // inner computes inside
    expect(await outerHitting(10)).toBe(12); // inner is a hit inside
    expect(inner.runs).toBe(1);
    expect(await outerComputing(10)).toBe(20);
    expect(await outerHitting(10)).toBe(12);
    writeFileSync(file, "3");
    expect(await outerComputing(10)).toBe(30);
    expect(await outerHitting(10)).toBe(13);
    expect([outerComputing.runs, outerHitting.runs, inner.runs]).toEqual([2, 2, 2]);
  });

  test("the runtime's own reads of a nested call are not the outer call's inputs", async () => {
    const inner = cached(meta(), async () => 1);
    const outer = cached(meta(), async () => (await inner()) + 1);
    expect(await outer()).toBe(2);
    const entries = Object.values(await cacache.ls(runtime.dir()));
    const metadata = entries
      .map((entry) => entry.metadata as { kind: string; inputs?: unknown })
      .filter((m) => m.kind === "result");
    expect(metadata).toHaveLength(2);
    for (const m of metadata) expect(m.inputs).toBeUndefined();
  });

  test("a nested call that runs uncached reads for the outer call; a nested inputs=off call does not", async () => {
    process.env.INPUTS_TEST_NESTED = "a";
    try {
      // A function argument cannot be keyed: the inner call runs uncached, inside the outer one.
      const uncachedInner = cached(meta(), async (_fn: unknown) => process.env.INPUTS_TEST_NESTED);
      const offInner = cached(meta({ inputs: false }), async () => process.env.INPUTS_TEST_NESTED);
      const outerA = cached(meta(), async () => uncachedInner(() => 1));
      const outerB = cached(meta(), async () => offInner());
      expect([await outerA(), await outerB()]).toEqual(["a", "a"]);
      process.env.INPUTS_TEST_NESTED = "b";
      expect([await outerA(), await outerB()]).toEqual(["b", "a"]);
      expect([outerA.runs, outerB.runs]).toEqual([2, 1]);
    } finally {
      delete process.env.INPUTS_TEST_NESTED;
    }
  });

  test("inputs=off: nothing is recorded or checked", async () => {
    process.env.INPUTS_TEST_OFF = "a";
    const load = cached(meta({ inputs: false }), async () => process.env.INPUTS_TEST_OFF);
    try {
      expect(await load()).toBe("a");
      process.env.INPUTS_TEST_OFF = "b";
      expect(await load()).toBe("a");
      expect(load.runs).toBe(1);
    } finally {
      delete process.env.INPUTS_TEST_OFF;
    }
  });

  test("an entry whose inputs cannot be checked is a miss with one warning, never a value", async () => {
    const load = cached(meta(), async () => "fresh");
    expect(await load()).toBe("fresh");
    // Rewrite the entry with inputs in a shape the check does not know.
    const [entry] = Object.values(await cacache.ls(runtime.dir())).filter(
      (e) => (e.metadata as { kind: string }).kind === "result",
    );
    const bytes = await cacache.get(runtime.dir(), entry!.key);
    await cacache.put(runtime.dir(), entry!.key, bytes.data, {
      metadata: { ...(entry!.metadata as object), crc: undefined, inputs: [["file", 42]] },
    });
    expect(await load()).toBe("fresh");
    expect(load.runs).toBe(2);
    expect(warnings(runtime.stderr()).filter((w) => w.includes("run-time inputs"))).toHaveLength(1);
  });

  test("what the first read saw is recorded: a variable the call sets itself, a file changed while it ran", async () => {
    const dir = tempDir();
    const file = join(dir, "live.txt");
    writeFileSync(file, "v1");
    const defaults = cached(meta(), async () => (process.env.INPUTS_TEST_DEFAULT ??= "d"));
    const racing = cached(meta(), async () => {
      const text = readFileSync(file, "utf8");
      writeFileSync(file, "v2-longer"); // another process edits it meanwhile
      return text;
    });
    try {
      expect(await defaults()).toBe("d");
      delete process.env.INPUTS_TEST_DEFAULT;
      expect(await defaults()).toBe("d");
      expect(defaults.runs).toBe(1); // unset at its first read, unset now: a hit
      expect(await racing()).toBe("v1");
      writeFileSync(file, "v1");
      // The entry cannot say which content the call read: it never matches.
      expect(await racing()).toBe("v1");
      expect(racing.runs).toBe(2);
      // A temporary file the call writes, reads and removes: a hit next time.
      const scratch = join(dir, "scratch.txt");
      const viaTemp = cached(meta(), async () => {
        writeFileSync(scratch, "tmp");
        const text = readFileSync(scratch, "utf8");
        fs.rmSync(scratch);
        return text;
      });
      expect(await viaTemp()).toBe("tmp");
      expect(await viaTemp()).toBe("tmp");
      expect(viaTemp.runs).toBe(1);
      // A device or a pipe (/dev/stdin) cannot be fingerprinted: never a hit.
      const device = cached(meta(), async () => readFileSync("/dev/null", "utf8"));
      expect(await device()).toBe("");
      expect(await device()).toBe("");
      expect(device.runs).toBe(2);
    } finally {
      delete process.env.INPUTS_TEST_DEFAULT;
    }
  });

  test("a file inside a package in node_modules counts by the package's version", async () => {
    debug();
    const pkg = join(tempDir(), "node_modules", "fake-pkg");
    mkdirSync(join(pkg, "lib"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake-pkg", version: "1.0.0" }));
    writeFileSync(join(pkg, "lib", "data.txt"), "one");
    const load = cached(meta(), async () => readFileSync(join(pkg, "lib", "data.txt"), "utf8"));
    expect(await load()).toBe("one");
    writeFileSync(join(pkg, "lib", "data.txt"), "two"); // same version: not a change
    expect(await load()).toBe("one");
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake-pkg", version: "1.0.1" }));
    expect(await load()).toBe("two");
    expect(lastReason()).toMatch(/: package changed: fake-pkg$/);
    expect(await load()).toBe("two");
    expect(load.runs).toBe(2);
  });

  test("a thrown call still gives its reads to the call around it", async () => {
    const dir = tempDir();
    const file = join(dir, "flag");
    const inner = cached(meta(), async () => {
      if (!fs.existsSync(file)) throw new Error("no flag");
      return "flag";
    });
    const outer = cached(meta(), async () => inner().catch(() => "none"));
    expect(await outer()).toBe("none");
    expect(await outer()).toBe("none");
    writeFileSync(file, "");
    expect(await outer()).toBe("flag");
  });
});

describe("the opt-out and the remote tier", () => {
  test("cached(fn, { inputs: false }) and the directive inside cached() turn recording off", async () => {
    process.env.INPUTS_TEST_WRAPPED = "a";
    try {
      const off = wrap(
        async function inputsOffByOption() {
          return process.env.INPUTS_TEST_WRAPPED;
        },
        { inputs: false },
      );
      const offByDirective = wrap(async function inputsOffByDirective() {
        "use cache: inputs=off";
        return process.env.INPUTS_TEST_WRAPPED;
      });
      const on = wrap(async function inputsOn() {
        return process.env.INPUTS_TEST_WRAPPED;
      });
      expect([await off(), await offByDirective(), await on()]).toEqual(["a", "a", "a"]);
      process.env.INPUTS_TEST_WRAPPED = "b";
      expect([await off(), await offByDirective(), await on()]).toEqual(["a", "a", "b"]);
      expect(() => wrap(async () => 1, { inputs: "no" as unknown as boolean })).toThrow(
        expect.objectContaining({ code: "CACHEPHANT_BAD_OPTION" }),
      );
    } finally {
      delete process.env.INPUTS_TEST_WRAPPED;
    }
  }, 30_000);

  test("a remote entry carries its inputs in its signed header", () => {
    const metadata = {
      v: 1,
      kind: "result",
      name: "f",
      file: "src/f.ts",
      line: 1,
      hash: "h",
      created: 1,
      inputs: [
        ["env", "API_URL", "abc"],
        ["file", "data.csv", 3, 4, "ff"],
      ],
    } as const;
    const encoded = encodeEntry("key", Buffer.from("x"), metadata, { kind: "insecure" });
    const head = parseHead(encoded.head);
    expect(typeof head).not.toBe("string");
    expect((head as Exclude<typeof head, string>).header.metadata.inputs).toEqual(metadata.inputs);
  });
});

describe("the hooks outside a computing call", () => {
  test("behave like the originals: results, errors, this, callbacks, properties", async () => {
    const load = cached(meta(), async () => readFileSync(__filename, "utf8").length);
    await load(); // installs the hooks
    expect(isRecording()).toBe(false);
    expect(fs.readFileSync.name).toBe("readFileSync");
    expect(fs.readFileSync.length).toBe(2);
    expect(fs.readFile.length).toBe(3);
    expect(typeof (fs.exists as unknown as Record<symbol, unknown>)[promisify.custom]).toBe("function");
    expect(await promisify(fs.exists)(__filename)).toBe(true);
    expect(() => readFileSync(join(tempDir(), "nope"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    await expect(readFile(join(tempDir(), "nope"))).rejects.toMatchObject({ code: "ENOENT" });
    const result = await new Promise((resolve) =>
      fs.readFile(join(tempDir(), "nope"), (error) => resolve(error?.code)),
    );
    expect(result).toBe("ENOENT");
    expect(fs.readFileSync.call(fs, __filename, "utf8")).toBe(readFileSync(__filename, "utf8"));
    // The env keeps its own rules.
    process.env.INPUTS_TEST_NUMBER = 5 as unknown as string;
    expect(process.env.INPUTS_TEST_NUMBER).toBe("5");
    expect(Object.keys(process.env)).toContain("INPUTS_TEST_NUMBER");
    expect(JSON.parse(JSON.stringify(process.env)).INPUTS_TEST_NUMBER).toBe("5");
    delete process.env.INPUTS_TEST_NUMBER;
    expect("INPUTS_TEST_NUMBER" in process.env).toBe(false);
    expect(Array.isArray(process.argv)).toBe(true);
    expect(typeof process.cwd()).toBe("string");
  });
});

describe("fingerprint helpers", () => {
  test("a file in node_modules belongs to its package; dot-folders do not", () => {
    expect(packageFolder("/p/node_modules/lodash/fp/map.js")).toBe("/p/node_modules/lodash");
    expect(packageFolder("/p/node_modules/@scope/pkg/x.js")).toBe("/p/node_modules/@scope/pkg");
    expect(packageFolder("/p/node_modules/.pnpm/a@1/node_modules/a/i.js")).toBe(
      "/p/node_modules/.pnpm/a@1/node_modules/a",
    );
    expect(packageFolder("/p/node_modules/.cache/x")).toBeUndefined();
    expect(packageFolder("/p/src/x.js")).toBeUndefined();
    expect(storedPath("/p/data/a.csv", "/p")).toBe("data/a.csv");
    expect(storedPath("/q/a.csv", "/p")).toBe("/q/a.csv");
  });
});
