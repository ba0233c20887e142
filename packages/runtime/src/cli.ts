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
import { type CliIO, formatSize, table } from "./cli-format.js";
import { runClear, runLs, runPrune, runVerify } from "./cli/store-commands.js";
import { stringOption, UsageError, type Values } from "./cli/values.js";
import { checkEnvironment, findProjectFrom } from "./config.js";
import { ConfigError } from "./errors.js";
import { isSystemError } from "@cachephant/core/scan";

export { formatSize, table, type CliIO };

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  ...(process.stderr.isTTY && !process.env.CI
    ? { progress: (text: string) => process.stderr.write(`\r\x1b[K${text}`) }
    : {}),
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
    positionals: {
      count: 1,
      usage: "cachephant explain <function>, where <function> is a name, file:name or file:line",
    },
    run: async (values, io, [query]) =>
      (await import("./explain/cli.js")).runExplain(
        query!,
        { dir: stringOption(values.dir), json: values.json === true },
        io,
      ),
  },
  report: {
    options: { ...DIR, ...HELP, out: { type: "string" }, open: { type: "boolean" } },
    run: async (values, io) =>
      (await import("./report/cli.js")).runReport(
        { dir: stringOption(values.dir), out: stringOption(values.out), open: values.open === true },
        io,
      ),
  },
};

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
    if (command === undefined)
      throw new UsageError(`unknown command ${JSON.stringify(name)} (use ls, prune, clear, verify, explain or report)`);
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
      throw new UsageError(
        `${name} takes ${wanted === 1 ? "one operand" : `${wanted} operands`}, ${positionals.length} given: use ${command.positionals!.usage}`,
      );
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

function parseOptions(
  args: string[],
  options: Options,
  allowPositionals: boolean,
): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs' messages span lines and give advice; keep the first line.
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
}

function version(): string {
  // package.json sits one folder up from both src/ and dist/.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
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
