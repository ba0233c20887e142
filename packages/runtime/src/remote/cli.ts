/**
 * `cachephant ls --remote` and `cachephant clear --remote [--fn NAME] [--file PATH]`:
 * the same commands on the remote tier (`CACHEPHANT_REMOTE`), in its
 * namespace. `cli.ts` hands any command given `--remote` to
 * `runRemoteCommand`, and `cachephant remote keygen` to `runRemoteTool`.
 * `prune --remote` is refused: Redis keeps the remote's size (docs/remote.md).
 */
import { parseArgs } from "node:util";
import { settingsFor } from "../config.js";
import { formatSize, table, type CliIO } from "../cli-format.js";
import { clearRemote, listConflicts, listRemote } from "./admin.js";
import { closeRemotes, remoteFor } from "./index.js";
import { writeKeyPair } from "./keygen.js";
import { signatureOf } from "./trust.js";
import { CachephantError } from "@cachephant/core/scan";

/** Bad usage: the CLI exits 2 with this one-line message. */
export class RemoteUsageError extends CachephantError {
  readonly code = "CACHEPHANT_REMOTE_USAGE";
}

type Values = Record<string, string | boolean | undefined>;
type Remote = ReturnType<typeof remoteFor>;

export async function runRemoteCommand(command: string, values: Values, io: CliIO): Promise<void> {
  if (command === "prune") {
    throw new RemoteUsageError(
      "prune --remote: Redis keeps the remote's size by its own eviction (maxmemory-policy allkeys-lru); see docs/remote.md",
    );
  }
  if (command !== "ls" && command !== "clear")
    throw new RemoteUsageError(`${command} has no --remote form (use ls or clear)`);
  const settings = settingsFor().remote;
  if (settings === undefined) {
    throw new RemoteUsageError(
      "--remote: no remote is configured; set CACHEPHANT_REMOTE=redis://host:6379 and its keys (docs/remote.md; a warning above says what is missing, if anything)",
    );
  }
  const remote = remoteFor(settings);
  try {
    if (command === "ls") await lsRemote(remote, values, io);
    else await clearRemoteCommand(remote, values, io);
  } finally {
    await closeRemotes();
  }
}

const TOOL_USAGE = "usage: cachephant remote keygen [--out DIR]";

/** `cachephant remote keygen [--out DIR]`: resolves with the exit code. */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a usage error rejects, as every command's errors do
export async function runRemoteTool(args: readonly string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new RemoteUsageError(`${(error as Error).message.split("\n")[0]!} (${TOOL_USAGE})`);
  }
  if (parsed.values.help === true) {
    io.stdout(TOOL_USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== "keygen") throw new RemoteUsageError(TOOL_USAGE);
  // An existing key file is a failure (exit 1) with its message: keygen never overwrites one.
  const files = writeKeyPair(parsed.values.out ?? ".");
  io.stdout(`Wrote an Ed25519 key pair (key id ${files.id}):`);
  io.stdout(
    `  ${files.privateKey}  private, owner-only: a secret of the machines that write (CACHEPHANT_REMOTE_SIGNING_KEY)`,
  );
  io.stdout(
    `  ${files.publicKey}  public: give it to every reader (CACHEPHANT_REMOTE_TRUSTED_KEYS); it may be committed`,
  );
  return 0;
}

/** The remote as output names it: its URL without credentials, and its namespace. */
function where(remote: Remote): string {
  const { namespace } = remote.settings;
  return namespace === "" ? remote.client.label : `${remote.client.label} (namespace ${namespace})`;
}

async function lsRemote(remote: Remote, values: Values, io: CliIO): Promise<void> {
  const rows = await listRemote(remote);
  const conflicts = await listConflicts(remote);
  const total = {
    entries: rows.reduce((n, row) => n + row.entries, 0),
    size: rows.reduce((n, row) => n + row.size, 0),
  };
  if (values.json === true) {
    const functions = rows.map((row) => ({ ...row, lastUsed: row.lastUsed.toISOString() }));
    const shown = conflicts.map((conflict) => ({ ...conflict, at: new Date(conflict.at).toISOString() }));
    const { signature } = signatureOf(remote.settings.trust);
    const json = {
      remote: remote.client.label,
      namespace: remote.settings.namespace,
      signature,
      functions,
      total,
      conflicts: shown,
    };
    io.stdout(JSON.stringify(json, null, 2));
    return;
  }
  if (rows.length === 0) io.stdout(`No cached results in ${where(remote)}`);
  else {
    io.stdout(table(rows));
    io.stdout(
      `Total: ${total.entries} ${total.entries === 1 ? "entry" : "entries"}, ${formatSize(total.size)} in ${where(remote)}`,
    );
  }
  if (conflicts.length === 0) return;
  io.stdout("");
  io.stdout(
    `Conflicts (${conflicts.length}): a write found another result stored for the same key; the stored one was kept.`,
  );
  io.stdout(
    "A function that gives different results for the same key is not deterministic, or its key misses an input.",
  );
  for (const conflict of conflicts)
    io.stdout(`  ${new Date(conflict.at).toISOString()}  ${conflict.name} (${conflict.file})  key ${conflict.key}`);
}

async function clearRemoteCommand(remote: Remote, values: Values, io: CliIO): Promise<void> {
  const fn = typeof values.fn === "string" ? values.fn : undefined;
  const file = typeof values.file === "string" ? values.file : undefined;
  const report = await clearRemote(remote, { fn, file });
  const scope = [fn !== undefined ? ` of ${fn}` : "", file !== undefined ? ` in ${file}` : ""].join("");
  const count = `${report.removedEntries} ${report.removedEntries === 1 ? "entry" : "entries"}`;
  io.stdout(`Removed ${count}${scope} (${formatSize(report.freedBytes)}) from ${where(remote)}`);
}
