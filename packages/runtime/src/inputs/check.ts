/**
 * On a hit of an entry that recorded run-time inputs: is each input still
 * what it was? Environment variables, argv and cwd by value; a file by stat
 * (same size and mtime: unchanged; else by the sha256 of its content); a
 * stat or existence by itself; a directory by listing it again; a package by
 * its package.json. Returns the first change as a miss reason (the words of
 * `CACHEPHANT_DEBUG`), or undefined when nothing changed.
 */
import { InputsFaultError } from "../errors.js";
import type { CachedFunctionMeta } from "../meta.js";
import { label, warnOnce } from "../warn.js";
import { isInputRecords, type InputRecord } from "./format.js";
import {
  absolutePath,
  argvHash,
  contentHash,
  envKeysHash,
  envValueHash,
  existsNow,
  fileState,
  listingState,
  NOT_A_FILE,
  packageState,
  statOf,
  statState,
  stateOf,
} from "./fingerprint.js";
import { original } from "./unhooked.js";
import { isSystemError } from "@cachephant/core/scan";

/** The reason of the first input that changed, or undefined. Throws only on an internal fault. */
export function changedInput(records: readonly InputRecord[], root: string): string | undefined {
  for (const record of records) {
    const reason = changed(record, root);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function changed(record: InputRecord, root: string): string | undefined {
  switch (record[0]) {
    case "env":
      return envValueHash(process.env, record[1]) === record[2] ? undefined : `env ${record[1]} changed`;
    case "envkeys":
      return envKeysHash(process.env) === record[1] ? undefined : "environment variables added or removed";
    case "argv":
      return argvHash(process.argv) === record[1] ? undefined : "argv changed";
    case "cwd":
      return original.cwd.call(process) === record[1] ? undefined : "cwd changed";
    case "file":
      return fileChanged(record, absolutePath(record[1], root)) ? `input changed: ${record[1]}` : undefined;
    case "stat": {
      const now = statState(absolutePath(record[1], root));
      const same =
        typeof now === "string"
          ? record.length === 3 && record[2] === now
          : record.length === 5 && now[0] === record[2] && now[1] === record[3] && now[2] === record[4];
      return same ? undefined : `input changed: ${record[1]}`;
    }
    case "exists":
      return existsNow(absolutePath(record[1], root)) === record[2] ? undefined : `input changed: ${record[1]}`;
    case "dir":
    case "dirr":
      return listingState(absolutePath(record[1], root), record[0] === "dirr") === record[2]
        ? undefined
        : `directory listing changed: ${record[1].endsWith("/") ? record[1] : `${record[1]}/`}`;
    case "pkg": {
      const folder = absolutePath(record[1], root).replace(/[\\/]package\.json$/, "");
      return packageState(folder) === record[2]
        ? undefined
        : `package changed: ${record[2].replace(/@[^@]*$/, "") || record[1]}`;
    }
  }
}

/** A file read: unchanged when size and mtime match, or else when its content hashes the same. */
function fileChanged(record: InputRecord & { 0: "file" }, path: string): boolean {
  if (record.length === 3) return record[2] === NOT_A_FILE || fileState(path) !== record[2];
  let stats;
  try {
    stats = statOf(path);
  } catch (error) {
    return stateOf(error) !== undefined;
  }
  if (stats === undefined || !stats.isFile()) return true;
  if (stats.size !== record[2]) return true;
  if (stats.mtimeMs === record[3]) return false;
  try {
    return contentHash(path) !== record[4];
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return true;
  }
}

/**
 * Why a stored entry must not be served because an input it recorded
 * changed, or undefined. Entries without inputs never get here (the caller
 * checks the field). A fault is a miss with one warning.
 */
export function changedInputsReason(inputs: unknown, meta: CachedFunctionMeta, root: string): string | undefined {
  try {
    if (!isInputRecords(inputs)) throw new Error("the entry's inputs are not a list of records");
    return changedInput(inputs, root);
  } catch (error) {
    const fault = new InputsFaultError("checking", error);
    warnOnce(`inputs-check:${label(meta)}`, `${label(meta)}: computing again: ${fault.message}`);
    return "input check failed";
  }
}
