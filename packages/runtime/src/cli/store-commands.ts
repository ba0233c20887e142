/**
 * The commands on the local store: `ls`, `prune`, `clear`, `verify`.
 */
import {
  clear,
  list,
  type Progress,
  prune,
  type PruneReport,
  storeDir,
  storeExists,
  storeSettings,
  verify,
} from "../api.js";
import { type CliIO, formatDuration, formatSize, plural, table } from "../cli-format.js";
import { nearestNames } from "../nearest.js";
import { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "../units.js";
import { stringOption, sum, UsageError, type Values } from "./values.js";

export async function runLs(values: Values, io: CliIO): Promise<number> {
  const dir = stringOption(values.dir);
  const rows = await list({ dir });
  const total = {
    entries: sum(rows, (row) => row.entries),
    size: sum(rows, (row) => row.size),
    superseded: sum(rows, (row) => row.superseded),
    supersededSize: sum(rows, (row) => row.supersededSize),
    hits: sum(rows, (row) => row.hits),
    misses: sum(rows, (row) => row.misses),
    savedMs: sum(rows, (row) => row.savedMs),
  };
  const resolvedDir = storeDir({ dir });
  const exists = storeExists({ dir });
  const settings = storeSettings({ dir });
  if (values.json === true) {
    const functions = rows.map((row) => ({ ...row, lastUsed: row.lastUsed.toISOString() }));
    io.stdout(JSON.stringify({ dir: resolvedDir, exists, settings, functions, total }, null, 2));
    return 0;
  }
  if (saidMissing(exists, dir, values, io)) {
    // Where the folder came from says why it is this one.
  } else if (rows.length === 0) {
    io.stdout(`No cached results in ${resolvedDir}`);
  } else {
    io.stdout(table(rows));
    io.stdout(
      `Total: ${plural(total.entries, "entry", "entries")}, ${formatSize(total.size)} in ${resolvedDir}; ` +
        `${plural(total.hits, "hit", "hits")}, ${plural(total.misses, "miss", "misses")}, ${formatDuration(total.savedMs)} saved`,
    );
    if (total.superseded > 0) {
      io.stdout(
        `Superseded: ${plural(total.superseded, "entry", "entries")} (${formatSize(total.supersededSize)}) of code the latest build ` +
          `no longer has; cachephant prune --superseded removes them`,
      );
    }
  }
  io.stdout(
    `Store folder from ${settings.dir.source}; size bound ${formatSize(settings.maxSize.value)} from ${settings.maxSize.source}`,
  );
  return 0;
}

export async function runPrune(values: Values, io: CliIO): Promise<number> {
  const maxSize = stringOption(values["max-size"]);
  if (maxSize !== undefined && parseSize(maxSize) === undefined) {
    throw new UsageError(`--max-size ${maxSize}: not a size; use ${SIZE_FORMAT_HINT}`);
  }
  const maxAge = stringOption(values["max-age"]);
  if (maxAge !== undefined && parseDuration(maxAge) === undefined) {
    throw new UsageError(`--max-age ${maxAge}: not a duration; use ${DURATION_FORMAT_HINT}`);
  }
  const dir = stringOption(values.dir);
  const exists = storeExists({ dir });
  if (saidMissing(exists, dir, values, io)) return 0;
  const progress = progressReporter(io, values);
  const report = await prune({
    dir,
    maxSize,
    maxAge,
    dryRun: values["dry-run"] === true,
    superseded: values.superseded === true,
    onProgress: progress?.report,
  });
  progress?.done();
  io.stdout(values.json === true ? JSON.stringify({ ...report, exists }, null, 2) : describePrune(report));
  return 0;
}

export async function runClear(values: Values, io: CliIO): Promise<number> {
  const fn = stringOption(values.fn);
  const file = stringOption(values.file);
  const dir = stringOption(values.dir);
  const targeted = fn !== undefined || file !== undefined;
  if (!storeExists({ dir })) {
    io.stdout(`No store at ${storeDir({ dir })} (nothing cached there yet)`);
    // Naming a function that has nothing stored is a finding: a typo, or a store other than the one meant.
    return targeted ? 1 : 0;
  }
  const report = await clear({ dir, fn, file });
  const scope = [fn !== undefined ? ` of ${fn}` : "", file !== undefined ? ` in ${file}` : ""].join("");
  io.stdout(
    `Removed ${plural(report.removedEntries, "entry", "entries")}${scope} (${formatSize(report.freedBytes)}) from ${report.dir}`,
  );
  if (!targeted || report.removedEntries > 0) return 0;
  io.stderr(`cachephant: ${await noMatchHint(dir, fn, file)}`);
  return 1;
}

/** `no cached function named "lodReport"; nearest: loadReport, loadUsers` (or the names there are). */
async function noMatchHint(dir: string | undefined, fn: string | undefined, file: string | undefined): Promise<string> {
  const rows = await list({ dir });
  const what = fn !== undefined ? `function named ${JSON.stringify(fn)}` : `function in ${JSON.stringify(file)}`;
  const names = fn !== undefined ? rows.map((row) => row.name) : rows.map((row) => row.file);
  const nearest = nearestNames(fn ?? file!, names);
  const known = [...new Set(names)].sort();
  const hint =
    nearest.length > 0
      ? `nearest: ${nearest.join(", ")}`
      : known.length === 0
        ? "the store holds no results"
        : `the store holds ${known.slice(0, MAX_NAMES_LISTED).join(", ")}${known.length > MAX_NAMES_LISTED ? ", …" : ""}`;
  return `no cached ${what}${fn !== undefined && file !== undefined ? ` in ${JSON.stringify(file)}` : ""}; ${hint} (see cachephant ls)`;
}

/** How many names a hint lists when none is near. */
const MAX_NAMES_LISTED = 10;

export async function runVerify(values: Values, io: CliIO): Promise<number> {
  const dir = stringOption(values.dir);
  const exists = storeExists({ dir });
  if (saidMissing(exists, dir, values, io)) return 0;
  const progress = progressReporter(io, values);
  const report = await verify({ dir, onProgress: progress?.report });
  progress?.done();
  // Damage is repaired (removed), but it was there; a store that is not being pruned grows: exit 1 so CI notices.
  const code = report.problems.length === 0 && report.pruneFailure === undefined ? 0 : 1;
  if (values.json === true) {
    io.stdout(JSON.stringify({ ...report, exists }, null, 2));
    return code;
  }
  const checked = `Checked ${plural(report.checkedEntries, "entry", "entries")} in ${report.dir}`;
  if (report.problems.length === 0) {
    io.stdout(`${checked}: all readable.`);
  } else {
    io.stdout(`${checked}: removed ${report.removedEntries} damaged:`);
    for (const problem of report.problems) io.stdout(`  ${problem.name} (${problem.file}): ${problem.reason}`);
  }
  if (report.pruneFailure !== undefined) {
    io.stdout(
      `The last background prune failed (${report.pruneFailure.time}: ${report.pruneFailure.error}); ` +
        "the store may be past its bound until one succeeds (cachephant prune runs one now).",
    );
  }
  return code;
}

/** Says that the store folder does not exist (with --json the report says `exists: false` instead). */
function saidMissing(exists: boolean, dir: string | undefined, values: Values, io: CliIO): boolean {
  if (exists || values.json === true) return false;
  io.stdout(`No store at ${storeDir({ dir })} (nothing cached there yet)`);
  return true;
}

/** A progress line on a terminal, at most every 200 ms; none with --json or outside a terminal. */
function progressReporter(io: CliIO, values: Values): { report: Progress; done(): void } | undefined {
  const show = io.progress;
  if (show === undefined || values.json === true) return undefined;
  const words = { scan: "reading the index", check: "checking", remove: "removing" } as const;
  let last = 0;
  return {
    report(step, done) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      show(`cachephant: ${words[step]}: ${done} entries…`);
    },
    done: () => last > 0 && show(""),
  };
}

function describePrune(report: PruneReport): string {
  const verb = report.dryRun ? "Would remove" : "Removed";
  const reasons = [
    report.expiredEntries > 0 ? `${report.expiredEntries} expired` : "",
    report.supersededEntries > 0 ? `${report.supersededEntries} superseded` : "",
  ].filter(Boolean);
  const expired = reasons.length > 0 ? ` (${reasons.join(", ")})` : "";
  const orphans =
    report.orphanedFiles > 0
      ? ` and ${plural(report.orphanedFiles, "orphaned file", "orphaned files")} (${formatSize(report.orphanedBytes)})`
      : "";
  const freed = report.dryRun ? `freeing ${formatSize(report.freedBytes)}` : `freed ${formatSize(report.freedBytes)}`;
  const remain = report.dryRun ? "would remain" : "remain";
  return (
    `${verb} ${plural(report.removedEntries, "entry", "entries")}${expired}${orphans}, ${freed}; ` +
    `${plural(report.remainingEntries, "entry", "entries")} (${formatSize(report.remainingBytes)}) ${remain} ` +
    `in ${report.dir} (bound ${formatSize(report.maxSize)})`
  );
}
