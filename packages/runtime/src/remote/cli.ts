/**
 * `cachephant ls --remote` and `cachephant clear --remote [--fn NAME] [--file PATH]`:
 * the same commands on the remote tier (`CACHEPHANT_REMOTE`). `cli.ts` hands
 * any command given `--remote` to `runRemoteCommand`. `prune --remote` is
 * refused: Redis keeps the remote's size (docs/remote.md).
 */
import { settingsFor } from "../config.js";
import { formatSize, table, type CliIO } from "../cli-format.js";
import { clearRemote, listRemote } from "./admin.js";
import { closeRemotes, remoteFor } from "./index.js";

/** Bad usage: the CLI exits 2 with this one-line message. */
export class RemoteUsageError extends Error {
  readonly code = "CACHEPHANT_REMOTE_USAGE";
  override name = "RemoteUsageError";
}

type Values = Record<string, string | boolean | undefined>;

export async function runRemoteCommand(command: string, values: Values, io: CliIO): Promise<void> {
  if (command === "prune") {
    throw new RemoteUsageError(
      "prune --remote: Redis keeps the remote's size by its own eviction (maxmemory-policy allkeys-lru); see docs/remote.md",
    );
  }
  if (command !== "ls" && command !== "clear") throw new RemoteUsageError(`${command} has no --remote form (use ls or clear)`);
  const settings = settingsFor().remote;
  if (settings === undefined) {
    throw new RemoteUsageError("--remote: no remote is configured; set CACHEPHANT_REMOTE=redis://host:6379");
  }
  const remote = remoteFor(settings);
  try {
    if (command === "ls") await lsRemote(remote, values, io);
    else await clearRemoteCommand(remote, values, io);
  } finally {
    await closeRemotes();
  }
}

async function lsRemote(remote: ReturnType<typeof remoteFor>, values: Values, io: CliIO): Promise<void> {
  const rows = await listRemote(remote);
  const total = { entries: rows.reduce((n, row) => n + row.entries, 0), size: rows.reduce((n, row) => n + row.size, 0) };
  const where = remote.client.label;
  if (values.json === true) {
    const functions = rows.map((row) => ({ ...row, lastUsed: row.lastUsed.toISOString() }));
    io.stdout(JSON.stringify({ remote: where, functions, total }, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.stdout(`No cached results in ${where}`);
    return;
  }
  io.stdout(table(rows));
  io.stdout(`Total: ${total.entries} ${total.entries === 1 ? "entry" : "entries"}, ${formatSize(total.size)} in ${where}`);
}

async function clearRemoteCommand(remote: ReturnType<typeof remoteFor>, values: Values, io: CliIO): Promise<void> {
  const fn = typeof values.fn === "string" ? values.fn : undefined;
  const file = typeof values.file === "string" ? values.file : undefined;
  const report = await clearRemote(remote, { fn, file });
  const scope = [fn !== undefined ? ` of ${fn}` : "", file !== undefined ? ` in ${file}` : ""].join("");
  const count = `${report.removedEntries} ${report.removedEntries === 1 ? "entry" : "entries"}`;
  io.stdout(`Removed ${count}${scope} (${formatSize(report.freedBytes)}) from ${report.remote}`);
}
