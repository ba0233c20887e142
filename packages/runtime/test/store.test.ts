import {
  existsSync,
  promises as fsp,
  type Mode,
  type OpenMode,
  statSync,
  utimesSync,
  writeFileSync,
  mkdirSync,
  rmSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { configure, list, prune, verify } from "../src/index.js";
import { encodeResult } from "../src/codec.js";
import { entryKey } from "../src/key/index.js";
import { resultMetadata } from "../src/call/index.js";
import { backgroundPrune, bucketPath, keyDigest, lockPath, readIndex, storeAt } from "../src/store/index.js";
import { cached, makeMeta, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

/** When set, opening a file for writing fails with this code (a full, read-only or foreign disk). */
const writeFault = vi.hoisted(() => ({ code: undefined as string | undefined }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const openSync = ((path: Parameters<typeof fs.openSync>[0], flags?: OpenMode, mode?: Mode) => {
    if (writeFault.code !== undefined && (flags === "wx" || flags === "a")) {
      throw Object.assign(new Error(`${writeFault.code}: simulated`), { code: writeFault.code });
    }
    return fs.openSync(path, flags ?? "r", mode);
  }) as typeof fs.openSync;
  return { ...fs, openSync, default: { ...fs, openSync } };
});

const totalSize = async () => (await list()).reduce((sum, row) => sum + row.size, 0);

describe("the size bound, kept by the runtime", () => {
  test("writes past maxSize prune in the background, least recently used first; nobody runs prune", async () => {
    configure({ maxSize: 3000 });
    const meta = makeMeta();
    const fn = cached(meta, (i: number) => `${i}`.padEnd(500, "."));
    await fn(0);
    for (let i = 1; i < 20; i++) {
      await fn(i);
      await fn(0); // entry 0 stays the most recently used
      await backgroundPrune(runtime.dir());
    }
    await backgroundPrune(runtime.dir());
    expect(await totalSize()).toBeLessThanOrEqual(3000);
    expect((await readIndex(runtime.dir())).filter((e) => e.metadata.kind === "result").length).toBeGreaterThan(2);
    const runs = fn.runs;
    await fn(0);
    expect(fn.runs).toBe(runs); // still there
    await fn(1);
    expect(fn.runs).toBe(runs + 1); // evicted long ago
  });

  test("a background prune that fails says so in debug lines, and verify reports it until a prune succeeds", async () => {
    configure({ maxSize: 3000, debug: true });
    // A folder where the index has a file: every walk of the index fails.
    const blocker = `${runtime.dir()}/index-v5/aa/bb/cc`;
    mkdirSync(blocker, { recursive: true });
    const fn = cached(makeMeta(), (i: number) => `${i}`.padEnd(600, "."));
    await fn(1);
    await fn(2);
    await backgroundPrune(runtime.dir());
    expect(runtime.stderr().join("")).toMatch(/cachephant background prune of .* failed: EISDIR/);
    const report = await verify().catch((error: unknown) => error);
    // verify walks the same index: it fails too, and the note is there for when it can be read.
    expect(report).toBeInstanceOf(Error);
    await fsp.rm(blocker, { recursive: true });
    expect((await verify()).pruneFailure).toMatchObject({ error: expect.stringMatching(/^EISDIR/) });
    await prune();
    expect((await verify()).pruneFailure).toBeUndefined();
  });

  test("hits append nothing to the index (its bucket keeps its size)", async () => {
    configure({ maxSize: 100 });
    const meta = makeMeta();
    const fn = cached(meta, () => "x".repeat(1000));
    await fn();
    await backgroundPrune(runtime.dir()); // the write's own prune removes it (it does not fit)
    const again = cached(meta, () => "y".repeat(10));
    await again();
    await backgroundPrune(runtime.dir());
    const bucket = bucketPath(runtime.dir(), keyDigest(entryKey(meta, [])));
    const size = statSync(bucket).size;
    for (let i = 0; i < 20; i++) await again();
    expect(again.runs).toBe(1);
    expect(statSync(bucket).size).toBe(size);
  });

  test("a key rewritten again and again keeps a small index bucket", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const meta = makeMeta({ ttl: 1000 });
    const fn = cached(meta, () => "v");
    const bucket = bucketPath(runtime.dir(), keyDigest(entryKey(meta, [])));
    let largest = 0;
    for (let i = 0; i < 40; i++) {
      vi.setSystemTime(new Date(Date.UTC(2030, 0, 1) + i * 5000)); // each call finds the last one expired
      await fn();
      largest = Math.max(largest, statSync(bucket).size);
    }
    expect(fn.runs).toBe(40);
    expect(largest).toBeLessThan(6000);
  });
});

describe("the side index beside removals outside a prune", () => {
  test("entries a read drops as damaged and entries removed by key are logged: the next prune keeps the index instead of taking them for another tool's removals", async () => {
    const dir = runtime.dir();
    const store = storeAt(dir);
    const metadata = resultMetadata(makeMeta({ name: "f", file: "src/f.ts", line: 1, hash: "h" }), Date.now());
    for (let i = 0; i < 40; i++) await store.put(`key-${i}`, encodeResult(`value ${i}`.padEnd(100, ".")), metadata);
    await prune({ maxSize: 1e9 }); // writes the index's snapshot
    const snapshot = join(dir, "cachephant", "entries");
    expect(existsSync(snapshot)).toBe(true);
    for (let i = 0; i < 20; i++) await store.remove(`key-${i}`);
    for (const entry of await readIndex(dir)) writeFileSync(entry.path, Buffer.alloc(entry.size)); // same size, wrong bytes
    for (let i = 20; i < 40; i++) expect((await store.get(`key-${i}`)).status).toBe("corrupt");
    expect(await readIndex(dir)).toEqual([]);

    expect(await prune({ maxSize: 0 })).toMatchObject({ removedEntries: 0, remainingEntries: 0 });
    // A prune that met them all gone from the layout would have dropped its snapshot, to rebuild it from every bucket.
    expect(existsSync(snapshot)).toBe(true);
  });
  test("a prune of a store without tmp/ removes every entry it counts: removals running at once all wait for the folder", async () => {
    const dir = runtime.dir();
    const store = storeAt(dir);
    const metadata = resultMetadata(makeMeta({ name: "f", file: "src/f.ts", line: 1, hash: "h" }), Date.now());
    for (let i = 0; i < 100; i++) await store.put(`key-${i}`, encodeResult(`value ${i}`.padEnd(100, ".")), metadata);
    rmSync(join(dir, "tmp"), { recursive: true }); // as another tool's writer may leave a store
    expect(await prune({ maxSize: 0 })).toMatchObject({ removedEntries: 100, remainingEntries: 0 });
    expect(await readIndex(dir)).toEqual([]);
    expect(await list()).toEqual([]);
  });
});

describe("one computation across processes", () => {
  test("a call whose key another process holds waits, then reads what that process wrote", async () => {
    const meta = makeMeta();
    const key = entryKey(meta, [7]);
    const lock = lockPath(runtime.dir(), key);
    mkdirSync(dirname(lock), { recursive: true });
    writeFileSync(lock, "");
    const fn = cached(meta, (n: number) => ({ mine: n }));
    const call = fn(7);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The other process finishes: it writes the entry, then releases the lock.
    await storeAt(runtime.dir()).put(key, encodeResult({ theirs: 7 }), resultMetadata(meta, Date.now()));
    await fsp.rm(lock);
    expect(await call).toEqual({ theirs: 7 });
    expect(fn.runs).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  test("a lock left by a dead process (not refreshed for longer than its bound) does not hold anyone up", async () => {
    const meta = makeMeta();
    const lock = lockPath(runtime.dir(), entryKey(meta, [1]));
    mkdirSync(dirname(lock), { recursive: true });
    writeFileSync(lock, "");
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, minuteAgo, minuteAgo);
    const fn = cached(meta, (n: number) => n * 2);
    const started = performance.now();
    expect(await fn(1)).toBe(2);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(fn.runs).toBe(1);
    expect(existsSync(lock)).toBe(false); // released after the write
  });
});

describe("locks left behind", () => {
  test("a prune removes the lock files of processes that died holding them, and keeps a live holder's", async () => {
    const meta = makeMeta();
    const dead = lockPath(runtime.dir(), entryKey(meta, [1]));
    const live = lockPath(runtime.dir(), entryKey(meta, [2]));
    mkdirSync(dirname(dead), { recursive: true });
    writeFileSync(dead, "");
    writeFileSync(live, "");
    // A holder refreshes its lock every few seconds: one untouched for an hour has no holder.
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(dead, hourAgo, hourAgo);
    // Older than the takeover bound, yet recent: a holder stalled for a moment, or a waiter about to take it over.
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(live, minuteAgo, minuteAgo);
    const report = await prune({ maxSize: 1_000_000 });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(report.orphanedFiles).toBe(1);
  });
});

describe("a store that cannot be written", () => {
  test.each(["ENOSPC", "EROFS", "EACCES"])("%s: calls run uncached with one warning", async (code) => {
    writeFault.code = code;
    onTestFinished(() => {
      writeFault.code = undefined;
    });
    const fn = cached(makeMeta(), (n: number) => ({ n }));
    expect(await fn(1)).toEqual({ n: 1 });
    expect(await fn(1)).toEqual({ n: 1 });
    expect(await fn(2)).toEqual({ n: 2 });
    expect(fn.runs).toBe(3);
    const ws = warnings(runtime.stderr());
    expect(ws).toHaveLength(1);
    expect(ws[0]).toContain(`(${code}: simulated)`);
  });
});
