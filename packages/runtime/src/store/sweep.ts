/**
 * What a prune removes beside entries (`prune.ts`): content files no entry
 * uses, leftovers in `tmp/`, and the lock files of processes that died
 * holding them.
 *
 * Content no entry uses is left by a process killed between writing content
 * and logging it, or by another tool. Finding it takes a walk of the content
 * folders (`content-v2/<algorithm>/<aa>/<bb>/`): 65,536 folders at most,
 * about 51,600 for 100,000 entries, most of a prune's own work when it runs
 * whole. So the walk goes a slice at a time: the folders are cut in
 * `SWEEP_SLICES` slices by the first hex digit of `aa`, walked in turn, one
 * slice for each `SWEEP_EVERY_MS / SWEEP_SLICES` (90 minutes) since the last
 * walk, at most `SWEEP_MAX_SLICES` (a quarter) in one prune, all of them
 * when the side index was rebuilt (that prune reads every entry anyway). So
 * a prune walks a sixteenth of the folders when it walks one slice, at most
 * a quarter, and each slice is walked again no later than the fourth prune
 * a day after its last walk (the slices a prune leaves stay owed: the time
 * recorded never passes what was walked). Content no entry uses is rare
 * (what entries let go is removed through the log: `prune.ts`), so a few
 * prunes' delay costs little, where walking every folder in one prune cost
 * a third of its time.
 *
 * The round is recorded in `cachephant/swept`: its text is the next slice to
 * walk, its mtime the time up to which the slices were walked (a file of an
 * older version, empty, and its mtime, the time of its last whole walk, read
 * as a round at slice 0). A store without the record walks one slice, and
 * starts the round.
 */
import { readFileSync, statSync, utimesSync } from "node:fs";
import { join, sep } from "node:path";
import { makeOwnerDir, writeOwnerFile } from "../files/index.js";
import { type FileOps } from "./file-ops.js";
import { CONTENT_DIR, contentPath, OWN_DIR } from "./layout.js";
import { Slicer, scanFiles, scanLocks, type StoreFile } from "./scan.js";
import { hasErrorCode } from "@cachephant/core/scan";

/** In `OWN_DIR`: the round of the walk for content no entry uses (see above). */
export const SWEPT_STAMP = "swept";
/** The slices of the content folders, by the first hex digit of their top folder. */
export const SWEEP_SLICES = 16;
/** Each slice is walked again at the first prune this long after its last walk. */
export const SWEEP_EVERY_MS = 24 * 60 * 60_000;
const SLICE_EVERY_MS = SWEEP_EVERY_MS / SWEEP_SLICES;
/** At most this many slices in one prune that walks what is due (a rebuilt index walks all). */
export const SWEEP_MAX_SLICES = 4;
/** Files younger than this are never taken for orphans: a writer may be about to index them. */
export const STRAY_MIN_AGE_MS = 60_000;
/**
 * A lock file this old belongs to a process that died holding it (a holder
 * refreshes its lock every few seconds, and a normal exit removes it):
 * nobody will release it, so a prune does.
 */
export const DEAD_LOCK_AGE_MS = 10 * 60_000;

/** The slices a prune walks, and the round to record after. */
export interface SweepPlan {
  /** The slices walked, as their numbers (`0` to `SWEEP_SLICES - 1`). */
  readonly slices: ReadonlySet<number>;
  /** The slice the next walk starts from. */
  readonly next: number;
  /** The time up to which the slices are walked (ms since the epoch). */
  readonly time: number;
}

/**
 * The slices due at `now`: "all" walks every slice (a rebuilt index, or
 * asked), "due" those owed since the recorded round, "none" none.
 */
export function planSweep(dir: string, now: number, mode: "all" | "due" | "none"): SweepPlan {
  const round = readRound(dir);
  if (mode === "none") return { slices: new Set(), next: round?.next ?? 0, time: round?.time ?? now };
  if (mode === "all") return { slices: sliceRange(0, SWEEP_SLICES), next: round?.next ?? 0, time: now };
  if (round === undefined) return { slices: sliceRange(0, 1), next: 1 % SWEEP_SLICES, time: now };
  // A round in the future (a clock set back) is taken as one slice due.
  const elapsed = round.time > now ? SLICE_EVERY_MS : now - round.time;
  const owed = Math.min(SWEEP_SLICES, Math.floor(elapsed / SLICE_EVERY_MS));
  const due = Math.min(SWEEP_MAX_SLICES, owed);
  return {
    slices: sliceRange(round.next, due),
    next: (round.next + due) % SWEEP_SLICES,
    // Walked slices move the schedule on; those left stay owed (a day or more owed: at most a day's worth).
    time:
      round.time > now
        ? now
        : owed === SWEEP_SLICES
          ? now - (SWEEP_SLICES - due) * SLICE_EVERY_MS
          : round.time + due * SLICE_EVERY_MS,
  };
}

/** Records the round after a prune walked the slices of `plan` (under the prune lock). */
export function recordSweep(dir: string, plan: SweepPlan): void {
  if (plan.slices.size === 0) return;
  makeOwnerDir(join(dir, OWN_DIR));
  const path = join(dir, OWN_DIR, SWEPT_STAMP);
  writeOwnerFile(path, Buffer.from(`${plan.next}\n`), "w");
  utimesSync(path, plan.time / 1000, plan.time / 1000);
}

function readRound(dir: string): { next: number; time: number } | undefined {
  const path = join(dir, OWN_DIR, SWEPT_STAMP);
  try {
    const time = statSync(path).mtimeMs;
    const next = Number.parseInt(readFileSync(path, "utf8"), 10);
    return { next: next >= 0 && next < SWEEP_SLICES ? next : 0, time };
  } catch (error) {
    if (hasErrorCode(error, ["ENOENT"])) return undefined;
    throw error;
  }
}

function sliceRange(from: number, count: number): Set<number> {
  const slices = new Set<number>();
  for (let i = 0; i < count; i++) slices.add((from + i) % SWEEP_SLICES);
  return slices;
}

/** The slice of a top content folder (`aa`): its first hex digit (another name: its first character's code). */
export function sliceOfFolder(name: string): number {
  const digit = Number.parseInt(name.charAt(0), 16);
  return Number.isNaN(digit) ? name.charCodeAt(0) % SWEEP_SLICES : digit;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Whether the content of `integrity` may lie in one of `slices`, without
 * building its path: a plain `algorithm-base64` hash's first base64 digit
 * holds the top 6 bits of its first byte, whose top 4 are the slice. Any
 * other form may (its path is then looked at).
 */
function mayLieIn(integrity: string, slices: ReadonlySet<number>): boolean {
  const dash = integrity.indexOf("-");
  if (dash <= 0 || /[\s?]/.test(integrity)) return true;
  const digit = BASE64.indexOf(integrity.charAt(dash + 1));
  return digit < 0 || slices.has(digit >> 2);
}

export interface OrphanSearch {
  readonly dir: string;
  /** The integrities of the entries that stay (and, on a dry run, of those it would remove). */
  readonly inUse: Iterable<string>;
  readonly plan: SweepPlan;
  /** When the prune started (ms since the epoch). */
  readonly started: number;
  readonly slicer: Slicer;
  readonly ops: FileOps;
}

/**
 * Content files of the planned slices that no entry uses, leftovers in
 * `tmp/` (both older than `STRAY_MIN_AGE_MS`), and lock files untouched for
 * `DEAD_LOCK_AGE_MS`.
 */
export async function findOrphans(search: OrphanSearch): Promise<StoreFile[]> {
  const { dir, plan, started, slicer, ops } = search;
  const referenced = new Set<string>();
  const whole = plan.slices.size === SWEEP_SLICES;
  const contentRoot = join(dir, CONTENT_DIR);
  for (const integrity of plan.slices.size === 0 ? [] : search.inUse) {
    if (!whole && !mayLieIn(integrity, plan.slices)) continue;
    const path = contentPath(dir, integrity);
    if (path === undefined) continue;
    // content-v2/<algorithm>/<aa>/…: the slice is that of `aa`.
    if (whole || plan.slices.has(sliceOfFolder(path.slice(path.indexOf(sep, contentRoot.length + 1) + 1)))) {
      referenced.add(path);
    }
  }
  const contentFolders =
    plan.slices.size === 0 ? ("none" as const) : (folder: string) => plan.slices.has(sliceOfFolder(folder));
  const orphans: StoreFile[] = [];
  for await (const file of scanFiles(dir, { contentFolders, skip: referenced, slicer, ops })) {
    if (file.mtimeMs < started - STRAY_MIN_AGE_MS) orphans.push(file);
  }
  for await (const file of scanLocks(dir, slicer)) {
    if (file.mtimeMs < started - DEAD_LOCK_AGE_MS) orphans.push(file);
  }
  return orphans;
}
