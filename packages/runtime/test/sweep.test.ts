// The walk for content no entry uses (a process killed between writing
// content and logging it leaves such files): a slice of the content folders
// at a time, one slice for each 90 minutes since the last walk, at most four
// in one prune, every folder within four prunes a day after its last walk;
// all of them when the side index was rebuilt. Through the api's prune, on a
// store written by calls.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import cacache from "cacache";
import { describe, expect, test, vi } from "vitest";
import { clear, prune, runCached, verify } from "../src/index.js";
import { backgroundPrune } from "../src/store/index.js";
import { contentFiles, makeMeta, useRuntime } from "./helpers.js";

const runtime = useRuntime();
const HOUR = 3_600_000;
const SLICE_MS = 90 * 60_000;
const hexDigits = [..."0123456789abcdef"];

/** Six results with content files of their own, and their files aged an hour (old enough to be taken for orphans). */
async function storeWithOldContent(): Promise<{ inUse: string[]; values: () => Promise<unknown[]> }> {
  const meta = makeMeta();
  let runs = 0;
  const call = (i: number) =>
    runCached(meta, [i], async () => {
      runs += 1;
      return "z".repeat(10_000 + i);
    });
  for (let i = 0; i < 6; i++) await call(i);
  await backgroundPrune(runtime.dir());
  const inUse = contentFiles(runtime.dir());
  age(inUse, HOUR);
  return {
    inUse,
    // Served from the store (runs stays 6) and whole.
    values: async () => {
      const values = [];
      for (let i = 0; i < 6; i++) values.push(await call(i));
      expect(runs).toBe(6);
      return values;
    },
  };
}

/** One orphan per slice: `content-v2/sha512/<d>0/00/orphan-<d>` for each hex digit `d`, aged an hour. */
function plantOrphans(): Map<string, string> {
  const orphans = new Map<string, string>();
  for (const digit of hexDigits) {
    const folder = join(runtime.dir(), "content-v2", "sha512", `${digit}0`, "00");
    mkdirSync(folder, { recursive: true });
    const path = join(folder, `orphan-${digit}`);
    writeFileSync(path, "orphan");
    orphans.set(digit, path);
  }
  age([...orphans.values()], HOUR);
  return orphans;
}

function age(paths: readonly string[], ms: number): void {
  const then = new Date(Date.now() - ms);
  for (const path of paths) utimesSync(path, then, then);
}

const sweptPath = () => join(runtime.dir(), "cachephant", "swept");

/** Records a round: the next slice to walk, and the time up to which slices were walked. */
function recordRound(next: number, time: number): void {
  writeFileSync(sweptPath(), `${next}\n`);
  utimesSync(sweptPath(), new Date(time), new Date(time));
}

const left = (orphans: Map<string, string>) => [...orphans].filter(([, path]) => existsSync(path)).map(([d]) => d);

describe("the walk for content no entry uses", () => {
  test("each prune 90 minutes after the last walk takes the orphans of the next slice: all of them within 16 prunes, and never the content of entries that stay", async () => {
    const store = await storeWithOldContent();
    const before = await store.values();
    const orphans = plantOrphans();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    recordRound(3, start);

    // No slice due yet: no content folder walked.
    expect(await prune()).toMatchObject({ orphanedFiles: 0, removedEntries: 0 });
    expect(left(orphans)).toEqual(hexDigits);

    for (let step = 1; step <= 16; step++) {
      vi.setSystemTime(start + step * SLICE_MS);
      const report = await prune();
      // The slice after the one walked last, one at a time, round and round.
      const walked = hexDigits[(3 + step - 1) % 16]!;
      expect(report).toMatchObject({ orphanedFiles: 1, orphanedBytes: 6, removedEntries: 0 });
      expect(existsSync(orphans.get(walked)!)).toBe(false);
      expect(left(orphans)).toHaveLength(16 - step);
      expect(readFileSync(sweptPath(), "utf8").trim()).toBe(String((3 + step) % 16));
      // The walked slices held content in use, as old as the orphans: it stays.
      for (const path of store.inUse) expect(existsSync(path)).toBe(true);
    }
    vi.useRealTimers();
    expect(await store.values()).toEqual(before);
    // The layout is cacache's still: every entry lists and reads back, and no content is damaged or unused.
    expect(await verify()).toMatchObject({ checkedEntries: 6, removedEntries: 0, problems: [] });
    const listed = Object.values(await cacache.ls(runtime.dir()));
    expect(listed).toHaveLength(7); // the six results and their function's marker
    for (const entry of listed) expect((await cacache.get(runtime.dir(), entry.key)).data).toHaveLength(entry.size);
    const verified = await cacache.verify(runtime.dir());
    expect(verified).toMatchObject({ badContentCount: 0, reclaimedCount: 0, verifiedContent: 7 });
  });

  test("a day or more after the last walk, a prune walks four slices, and every slice is walked within four prunes", async () => {
    const store = await storeWithOldContent();
    const orphans = plantOrphans();
    recordRound(5, Date.now() - 25 * HOUR);
    expect(await prune()).toMatchObject({ orphanedFiles: 4, removedEntries: 0 });
    // Slices 5 to 8 walked; the rest stay owed.
    expect(left(orphans)).toEqual([...hexDigits.slice(0, 5), ...hexDigits.slice(9)]);
    expect(await prune()).toMatchObject({ orphanedFiles: 4 });
    expect(await prune()).toMatchObject({ orphanedFiles: 4 });
    expect(await prune()).toMatchObject({ orphanedFiles: 4 });
    expect(left(orphans)).toEqual([]);
    for (const path of store.inUse) expect(existsSync(path)).toBe(true);
    // The next prune owes nothing.
    plantOrphans();
    expect(await prune()).toMatchObject({ orphanedFiles: 0 });
  });

  test("slices owed for hours are walked at once, and keep their schedule", async () => {
    await storeWithOldContent();
    const orphans = plantOrphans();
    // Four and a half slices' time: four slices, from slice 14 round to slice 1; the half stays owed.
    const time = Date.now() - 4.5 * SLICE_MS;
    recordRound(14, time);
    expect(await prune()).toMatchObject({ orphanedFiles: 4 });
    expect(left(orphans)).toEqual(hexDigits.slice(2, 14));
    expect(readFileSync(sweptPath(), "utf8").trim()).toBe("2");
    expect(Math.abs(statSync(sweptPath()).mtimeMs - (time + 4 * SLICE_MS))).toBeLessThan(1000);
  });

  test("a store without a record of a walk walks one slice and starts the round there", async () => {
    const store = await storeWithOldContent();
    rmSync(sweptPath(), { force: true });
    const orphans = plantOrphans();
    expect(await prune()).toMatchObject({ orphanedFiles: 1 });
    expect(left(orphans)).toEqual(hexDigits.slice(1));
    expect(readFileSync(sweptPath(), "utf8").trim()).toBe("1");
    for (const path of store.inUse) expect(existsSync(path)).toBe(true);
  });

  test("a prune that rebuilds the side index walks every slice", async () => {
    const store = await storeWithOldContent();
    recordRound(0, Date.now());
    const orphans = plantOrphans();
    rmSync(join(runtime.dir(), "cachephant", "entries"));
    expect(await prune()).toMatchObject({ orphanedFiles: 16, remainingEntries: 6 });
    expect(left(orphans)).toEqual([]);
    for (const path of store.inUse) expect(existsSync(path)).toBe(true);
  });

  test("clear of the whole store takes the orphans of every slice, with the last walk just done", async () => {
    await storeWithOldContent();
    recordRound(0, Date.now());
    const orphans = plantOrphans();
    expect(await clear()).toMatchObject({ removedEntries: 6 });
    expect(left(orphans)).toEqual([]);
    expect(contentFiles(runtime.dir())).toEqual([]);
  });

  test("a dry run reports the orphans of the slices due and removes nothing", async () => {
    await storeWithOldContent();
    const orphans = plantOrphans();
    recordRound(7, Date.now() - 2 * SLICE_MS - 1000);
    expect(await prune({ dryRun: true })).toMatchObject({ orphanedFiles: 2, orphanedBytes: 12 });
    expect(left(orphans)).toEqual(hexDigits);
    expect(readFileSync(sweptPath(), "utf8").trim()).toBe("7");
    expect(await prune()).toMatchObject({ orphanedFiles: 2 });
    expect(left(orphans)).toEqual(hexDigits.filter((d) => d !== "7" && d !== "8"));
  });
});
