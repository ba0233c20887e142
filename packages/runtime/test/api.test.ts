import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { clear, list, prune, runCached, verify, type CachedFunctionMeta } from "../src/index.js";
import { backgroundPrune, readIndex } from "../src/store/index.js";
import { contentFiles, makeMeta, useRuntime } from "./helpers.js";

const runtime = useRuntime();

async function call(meta: CachedFunctionMeta, arg: unknown, result: unknown = arg): Promise<void> {
  await runCached(meta, [arg], async () => result);
}

const resultEntries = async () => (await readIndex(runtime.dir())).filter((e) => e.metadata.kind === "result");

describe("list", () => {
  test("one row per function with its entries, size and last use, across code versions", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const load = makeMeta({ name: "load", file: "src/b.ts" });
    await call(load, 1, "x".repeat(100));
    vi.setSystemTime(new Date("2030-01-02T00:00:00Z"));
    await call({ ...load, hash: "another" }, 2, "y".repeat(100));
    await call(makeMeta({ name: "parse", file: "src/a.ts", hash: "hash-p" }), 1);

    const rows = await list();
    expect(rows.map(({ name, file, entries }) => ({ name, file, entries }))).toEqual([
      { name: "parse", file: "src/a.ts", entries: 1 },
      { name: "load", file: "src/b.ts", entries: 2 },
    ]);
    expect(rows[1]!.size).toBeGreaterThan(200);
    expect(rows[1]!.lastUsed).toEqual(new Date("2030-01-02T00:00:00Z"));
  });

  test("without a build's record (cached()), results of a function's earlier code are superseded: its latest results say which code is current", async () => {
    const load = makeMeta({ name: "load", file: "src/notebook.ts", hash: "old-code" });
    await call(load, 1);
    await call(load, 2);
    expect((await list()).map(({ entries, superseded }) => ({ entries, superseded }))).toEqual([
      { entries: 2, superseded: 0 },
    ]);
    await call({ ...load, hash: "new-code" }, 1);
    expect((await list()).map(({ entries, superseded }) => ({ entries, superseded }))).toEqual([
      { entries: 3, superseded: 2 },
    ]);

    expect(await prune({ superseded: true, dryRun: true })).toMatchObject({ removedEntries: 2, supersededEntries: 2 });
    expect((await prune()).removedEntries).toBe(0);
    expect(await prune({ superseded: true })).toMatchObject({
      removedEntries: 2,
      supersededEntries: 2,
      remainingEntries: 1,
    });
    expect((await resultEntries()).map((entry) => entry.metadata.hash)).toEqual(["new-code"]);
  });

  test("hits, misses and time saved per function: a hit saves its entry's recorded compute time minus its own time", async () => {
    const slow = makeMeta({ name: "slow", file: "src/slow.ts" });
    const compute = () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), 30));
    await runCached(slow, [1], compute);
    const outer = performance.now();
    await runCached(slow, [1], compute);
    const hitBound = performance.now() - outer;
    await runCached(slow, [2], compute);
    const [entry] = (await resultEntries()).filter((e) => e.metadata.name === "slow");
    // setTimeout(30) cannot resolve sooner (give or take the timer's rounding).
    expect(entry!.metadata.ms).toBeGreaterThanOrEqual(29);
    const [row] = await list();
    expect(row).toMatchObject({ name: "slow", hits: 1, misses: 2 });
    const recorded = (await resultEntries()).find((e) => e.metadata.name === "slow" && e.metadata.ms !== undefined)!
      .metadata.ms!;
    expect(row!.savedMs).toBeLessThanOrEqual(Math.round(recorded) + 1);
    expect(row!.savedMs).toBeGreaterThanOrEqual(Math.floor(recorded - hitBound) - 1);
    await clear();
    expect(await list()).toEqual([]);
    await runCached(slow, [1], compute);
    expect((await list())[0]).toMatchObject({ hits: 0, misses: 1 });
  });

  test("an empty or missing store lists nothing", async () => {
    expect(await list()).toEqual([]);
    expect(await list({ dir: join(runtime.dir(), "nothing-here") })).toEqual([]);
  });
});

describe("clear", () => {
  test("without a target removes everything; calls compute again", async () => {
    const meta = makeMeta();
    let runs = 0;
    const fn = () => runCached(meta, [], async () => ++runs);
    await fn();
    await call(makeMeta(), 1);
    const report = await clear();
    expect(report.removedEntries).toBe(2);
    expect(report.dir).toBe(runtime.dir());
    expect(await list()).toEqual([]);
    expect(contentFiles(runtime.dir())).toEqual([]);
    expect(await fn()).toBe(2);
  });

  test("--fn and --file remove only the matching functions' entries", async () => {
    await call(makeMeta({ name: "a", file: "src/one.ts" }), 1);
    await call(makeMeta({ name: "a", file: "src/one.ts" }), 2);
    await call(makeMeta({ name: "b", file: "src/one.ts" }), 3);
    await call(makeMeta({ name: "c", file: "src/two.ts" }), 4);

    expect((await clear({ fn: "a" })).removedEntries).toBe(2);
    expect((await list()).map((row) => row.name)).toEqual(["b", "c"]);
    expect((await clear({ file: "./src/two.ts" })).removedEntries).toBe(1);
    expect((await list()).map((row) => row.name)).toEqual(["b"]);
  });

  test("content shared with a kept entry stays", async () => {
    await call(makeMeta({ name: "a" }), 1, "same result");
    await call(makeMeta({ name: "b" }), 2, "same result");
    await clear({ fn: "a" });
    const b = makeMeta({ name: "b" });
    let ran = false;
    expect(await runCached(b, [2], async () => ((ran = true), "other"))).toBe("same result");
    expect(ran).toBe(false);
  });
});

describe("prune", () => {
  test("removes least recently used entries until the store fits: a hit counts as a use, not only the write", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const meta = makeMeta();
    for (const [day, arg] of [
      [1, "old"],
      [2, "middle"],
      [3, "new"],
    ] as const) {
      vi.setSystemTime(new Date(`2030-01-0${day}T00:00:00Z`));
      await call(meta, arg, arg.repeat(200));
    }
    // Reading "old" on day 4 makes "middle" the least recently used; by write order "old" would go.
    vi.setSystemTime(new Date("2030-01-04T00:00:00Z"));
    let ran = 0;
    expect(await runCached(meta, ["old"], async () => ++ran)).toBe("old".repeat(200));
    vi.setSystemTime(new Date("2030-01-05T00:00:00Z"));
    const sizes = (await resultEntries()).map((e) => e.size);
    const report = await prune({ maxSize: sizes[0]! + sizes[1]! + sizes[2]! - 1 });
    expect(report).toMatchObject({ removedEntries: 1, expiredEntries: 0, remainingEntries: 2, dryRun: false });
    await runCached(meta, ["old"], async () => ++ran);
    await runCached(meta, ["new"], async () => ++ran);
    expect(ran).toBe(0);
    await runCached(meta, ["middle"], async () => ++ran);
    expect(ran).toBe(1);
  });

  test("sizes agree: list's total = what a dry run would free + what it leaves = what the prune frees + leaves", async () => {
    for (let i = 0; i < 6; i++) await call(makeMeta(), i, "z".repeat(100 * (i + 1)));
    const total = (await list()).reduce((sum, row) => sum + row.size, 0);
    const dry = await prune({ maxSize: 1000, dryRun: true });
    const real = await prune({ maxSize: 1000 });
    expect(dry.freedBytes + dry.remainingBytes).toBe(total);
    expect(real.freedBytes).toBe(dry.freedBytes);
    expect(real.remainingBytes).toBe(dry.remainingBytes);
    expect(real.remainingBytes).toBeLessThanOrEqual(1000);
    expect((await list()).reduce((sum, row) => sum + row.size, 0)).toBe(real.remainingBytes);
    expect((await clear()).freedBytes).toBe(real.remainingBytes);
  });

  test("a dry run counts the content of the entries it would remove once, not again as orphaned, when that content is old enough to sweep", async () => {
    // Results this large have content files of their own (small ones live in their index line).
    for (let i = 0; i < 6; i++) await call(makeMeta(), i, "z".repeat(10_000 * (i + 1)));
    // Six results' content, and the function's marker.
    const files = contentFiles(runtime.dir());
    expect(files).toHaveLength(7);
    // Older than a minute: a sweep for content no entry uses takes such files.
    const past = new Date(Date.now() - 5 * 60_000);
    for (const file of files) utimesSync(file, past, past);
    // The last walk a day old (the first write's background prune made one): this prune looks at every content file.
    await backgroundPrune(runtime.dir());
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    utimesSync(join(runtime.dir(), "cachephant", "swept"), dayAgo, dayAgo);
    const dry = await prune({ maxSize: 70_000, dryRun: true });
    const real = await prune({ maxSize: 70_000 });
    expect(real).toMatchObject({ removedEntries: 5, orphanedFiles: 0, orphanedBytes: 0 });
    expect(dry).toMatchObject({ removedEntries: 5, orphanedFiles: 0, orphanedBytes: 0 });
    expect(dry.freedBytes).toBe(real.freedBytes);
    expect(contentFiles(runtime.dir())).toHaveLength(2);
  });

  test("maxSize 0 empties the store, markers and content included", async () => {
    await call(makeMeta(), 1);
    await call(makeMeta(), 2);
    const report = await prune({ maxSize: 0 });
    expect(report.removedEntries).toBe(2);
    expect(report.remainingEntries).toBe(0);
    expect(await readIndex(runtime.dir())).toEqual([]);
    expect(contentFiles(runtime.dir())).toEqual([]);
  });

  test("a dry run reports and removes nothing", async () => {
    await call(makeMeta(), 1);
    const dry = await prune({ maxSize: 0, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, removedEntries: 1, remainingEntries: 0 });
    expect(dry.freedBytes).toBeGreaterThan(0);
    expect(await list()).toHaveLength(1);
  });

  test("removes expired entries and entries not used for maxAge (a hit renews an entry)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    await call(makeMeta({ ttl: 1000 }), "short-lived");
    await call(makeMeta(), "old");
    const oldButRead = makeMeta();
    await call(oldButRead, "old but read");
    vi.setSystemTime(new Date("2030-01-07T00:00:00Z"));
    await call(oldButRead, "old but read");
    vi.setSystemTime(new Date("2030-01-08T00:00:00Z"));
    await call(makeMeta(), "recent");
    vi.setSystemTime(new Date("2030-01-08T00:00:02Z"));

    const report = await prune({ maxAge: "2d" });
    expect(report).toMatchObject({ removedEntries: 2, expiredEntries: 2, remainingEntries: 2 });
  });

  test("removes orphaned content and leftover temporary files, but not young ones", async () => {
    await call(makeMeta(), 1);
    const orphanDir = join(runtime.dir(), "content-v2", "sha512", "ab", "cd");
    mkdirSync(orphanDir, { recursive: true });
    const old = join(orphanDir, "old-orphan");
    const young = join(orphanDir, "young-orphan");
    writeFileSync(old, "12345");
    writeFileSync(young, "123");
    mkdirSync(join(runtime.dir(), "tmp"), { recursive: true });
    const tmpLeftover = join(runtime.dir(), "tmp", "leftover");
    writeFileSync(tmpLeftover, "1");
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);
    utimesSync(tmpLeftover, hourAgo, hourAgo);

    const report = await prune();
    expect(report).toMatchObject({
      removedEntries: 0,
      orphanedFiles: 2,
      orphanedBytes: 6,
      freedBytes: 6,
      remainingEntries: 1,
    });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(tmpLeftover)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(await list()).toHaveLength(1);
  });

  test("bad options are clear errors", async () => {
    await expect(prune({ maxSize: "12XB" })).rejects.toThrow(/maxSize: "12XB" is not a size/);
    await expect(prune({ maxAge: "soon" })).rejects.toThrow(/maxAge: "soon" is not a duration/);
  });
});

describe("verify", () => {
  test("reads every entry, removes the damaged ones and reports them", async () => {
    await call(makeMeta({ name: "good" }), 1, "good result");
    await call(makeMeta({ name: "bad", file: "src/bad.ts", hash: "hash-b" }), 2, "bad result");
    const bad = (await resultEntries()).find((e) => e.metadata.name === "bad")!;
    writeFileSync(bad.path, Buffer.alloc(bad.size, 1)); // same size, other bytes

    const report = await verify();
    expect(report.checkedEntries).toBe(2);
    expect(report.removedEntries).toBe(1);
    expect(report.problems).toEqual([
      { name: "bad", file: "src/bad.ts", reason: "content failed the integrity check" },
    ]);
    expect((await list()).map((row) => row.name)).toEqual(["good"]);
    expect((await verify()).problems).toEqual([]);
  });
});
