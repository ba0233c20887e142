#!/usr/bin/env node
/**
 * The `cachephant` command: ls, prune, clear, verify on top of the api;
 * explain and report (`explain/`, `report/`) loaded when asked for.
 * Exit codes: 0 done; 1 failure, or a finding the caller must not miss
 * (`clear --fn`/`--file` that matched nothing, `verify` that found damage);
 * 2 bad usage (with a one-line reason).
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { clear, list, prune, storeDir, storeExists, storeSettings, verify, type Progress, type PruneReport } from "./api.js";
import { checkEnvironment, findProjectFrom } from "./config.js";
import { ConfigError } from "./errors.js";
import { formatDuration, formatSize, table, type CliIO } from "./cli-format.js";
import { nearestNames } from "./nearest.js";
import { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./units.js";
import { isSystemError } from "./error-kinds.js";


export { formatSize, table, type CliIO };

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  ...(process.stderr.isTTY && !process.env.CI ? { progress: (text: string) => process.stderr.write(`\r\x1b[K${text}`) } : {}),
};

export const USAGE = `Usage: cachephant <command> [options]

Commands:
  ls      [--dir D] [--json]                 one row per cached function, and a total
  prune   [--max-size SIZE] [--max-age DURATION] [--superseded] [--dry-run] [--dir D] [--json]
                                             remove expired, old (and with --superseded, those of
                                             code the latest build no longer has) and least
                                             recently used entries until the store fits, and
                                             orphaned content
  clear   [--fn NAME] [--file PATH] [--dir D]
                                             remove all entries, or those of a function or file
  verify  [--dir D] [--json]                 check every entry, remove damaged ones
  explain <function> [--dir D] [--json]      what a function's key covers, its entries and last
                                             misses; <function> is a name, file:name or file:line
  report  [--out FILE] [--open] [--dir D]    write one HTML file: functions, time saved, and
                                             each one's explanation (default cachephant-report.html)
  ls --remote [--json], clear --remote [--fn NAME] [--file PATH]
                                             the same on the remote tier ($CACHEPHANT_REMOTE),
                                             in its namespace ($CACHEPHANT_REMOTE_NAMESPACE)
  remote keygen [--out DIR]                  write an Ed25519 key pair for signing remote entries

Options: --help, --version.

The store is --dir, else $CACHEPHANT_DIR, else the one the project in this
folder uses (the nearest folder with a package.json): the plugin's dir and
maxSize as its builds recorded them (one record per build tool; when they
disagree, the largest maxSize and the dir recorded last), else the
"cachephant" key of its package.json, else node_modules/.cache/cachephant.
ls says where the folder and the bound came from. Sizes: 500MB, 2GB, 1GiB or bytes.
Durations: a number and ms, s, m, h, d or w: 30s, 90m, 1.5h, 7d, 1w.`;

/** Thrown for bad usage: exit code 2 with this one-line message. */
class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

const DIR: Options = { dir: { type: "string" } };
const HELP: Options = { help: { type: "boolean", short: "h" } };
// Remote tier: `--remote` hands the command to remote/cli.ts (docs/remote.md).
const REMOTE: Options = { remote: { type: "boolean" } };

/** A command's run: resolves with its exit code (0 done, 1 a finding; failures throw). */
type Run = (values: Values, io: CliIO, positionals: readonly string[]) => Promise<number>;

/** `positionals`: how many operands the command takes (none unless said). */
const COMMANDS: Record<string, { options: Options; run: Run; positionals?: { count: number; usage: string } }> = {
  ls: { options: { ...DIR, ...HELP, ...REMOTE, json: { type: "boolean" } }, run: runLs },
  prune: {
    options: {
      ...DIR,
      ...HELP,
      ...REMOTE,
      json: { type: "boolean" },
      "dry-run": { type: "boolean" },
      superseded: { type: "boolean" },
      "max-size": { type: "string" },
      "max-age": { type: "string" },
    },
    run: runPrune,
  },
  clear: { options: { ...DIR, ...HELP, ...REMOTE, fn: { type: "string" }, file: { type: "string" } }, run: runClear },
  verify: { options: { ...DIR, ...HELP, json: { type: "boolean" } }, run: runVerify },
  explain: {
    options: { ...DIR, ...HELP, json: { type: "boolean" } },
    positionals: { count: 1, usage: "cachephant explain <function>, where <function> is a name, file:name or file:line" },
    run: async (values, io, [query]) =>
      (await import("./explain/cli.js")).runExplain(query!, { dir: stringOption(values.dir), json: values.json === true }, io),
  },
  report: {
    options: { ...DIR, ...HELP, out: { type: "string" }, open: { type: "boolean" } },
    run: async (values, io) =>
      (await import("./report/cli.js")).runReport({ dir: stringOption(values.dir), out: stringOption(values.out), open: values.open === true }, io),
  },
};

type Values = Record<string, string | boolean | undefined>;

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    io.stdout(version());
    return 0;
  }
  const command = COMMANDS[name];
  try {
    // `cachephant remote <tool>` (keygen): remote/cli.ts.
    if (name === "remote") return await (await import("./remote/cli.js")).runRemoteTool(rest, io);
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (use ls, prune, clear, verify, explain or report)`);
    const { values, positionals } = parseOptions(rest, command.options, command.positionals !== undefined);
    if (values.help === true) {
      io.stdout(USAGE);
      return 0;
    }
    // The store of the project in this folder, with the settings its build recorded.
    findProjectFrom(process.cwd());
    // A program warns about a bad variable and goes on; here it is bad usage.
    checkEnvironment();
    if (values.remote === true) {
      await (await import("./remote/cli.js")).runRemoteCommand(name, values, io);
      return 0;
    }
    const wanted = command.positionals?.count ?? 0;
    if (wanted > 0 && positionals.length !== wanted) {
      throw new UsageError(`${name} takes ${wanted === 1 ? "one operand" : `${wanted} operands`}, ${positionals.length} given: use ${command.positionals!.usage}`);
    }
    return await command.run(values, io, positionals);
  } catch (error) {
    const remoteUsage = (error as { code?: unknown } | null)?.code === "CACHEPHANT_REMOTE_USAGE";
    if (error instanceof UsageError || error instanceof ConfigError || remoteUsage) {
      io.stderr(`cachephant: ${(error as Error).message}`);
      return 2;
    }
    io.stderr(`cachephant: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function parseOptions(args: string[], options: Options, allowPositionals: boolean): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs' messages span lines and give advice; keep the first line.
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
}

async function runLs(values: Values, io: CliIO): Promise<number> {
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
  io.stdout(`Store folder from ${settings.dir.source}; size bound ${formatSize(settings.maxSize.value)} from ${settings.maxSize.source}`);
  return 0;
}

async function runPrune(values: Values, io: CliIO): Promise<number> {
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

async function runClear(values: Values, io: CliIO): Promise<number> {
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

async function runVerify(values: Values, io: CliIO): Promise<number> {
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

function version(): string {
  // package.json sits one folder up from both src/ and dist/.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
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



function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`cachephant: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
