/**
 * How an entry's run-time inputs are kept in its index line's metadata
 * (`EntryMetadata.inputs`): one small JSON array per input, the kind first.
 * Paths are relative to the project root when inside it (with `/`), else
 * absolute; secrets are never stored, only hashes of values.
 *
 * | record | meaning |
 * | --- | --- |
 * | `["env", name, hash \| null]` | an environment variable's value (null: unset) |
 * | `["envkeys", hash]` | the list of environment variable names (the env was enumerated) |
 * | `["argv", hash]` | `process.argv` |
 * | `["cwd", path]` | `process.cwd()` |
 * | `["file", path, size, mtimeMs, sha256]` | a file read: its content |
 * | `["file", path, state]` | a file read that was not a regular file: `missing`, `directory`, or an error code |
 * | `["stat", path, size, mtimeMs, type]` / `["stat", path, "missing"]` | a file's `stat` |
 * | `["exists", path, boolean]` | `existsSync`, `access` |
 * | `["dir", path, hash \| state]`, `["dirr", …]` | a directory's listing (sorted names), `dirr` recursive |
 * | `["pkg", path of package.json, "name@version" \| "missing"]` | anything read inside a package in `node_modules` |
 */

export type InputRecord =
  | readonly ["env", string, string | null]
  | readonly ["envkeys", string]
  | readonly ["argv", string]
  | readonly ["cwd", string]
  | readonly ["file", string, number, number, string]
  | readonly ["file", string, string]
  | readonly ["stat", string, number, number, string]
  | readonly ["stat", string, string]
  | readonly ["exists", string, boolean]
  | readonly ["dir" | "dirr", string, string]
  | readonly ["pkg", string, string];

const KINDS = new Set(["env", "envkeys", "argv", "cwd", "file", "stat", "exists", "dir", "dirr", "pkg"]);

/** What two records of the same input share: one entry holds one record per id. */
export function recordId(record: InputRecord): string {
  return record.length <= 2 ? record[0] : `${record[0]}:${record[1]}`;
}

/** Whether a value read back from an index line (or a remote header) is a list of input records. */
export function isInputRecords(value: unknown): value is readonly InputRecord[] {
  if (!Array.isArray(value)) return false;
  for (const record of value) {
    if (!Array.isArray(record) || record.length < 2 || !KINDS.has(record[0] as string)) return false;
    if (typeof record[1] !== "string") return false;
  }
  return true;
}
