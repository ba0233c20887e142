/**
 * What the store holds about each cached function, in one pass over its
 * index: its latest computations (with the key parts and run-time inputs
 * each recorded) and its marker's `deps` (the only analysis a `cached()`
 * function has). Memory grows with the functions, not the entries: only the
 * last few computations of each are kept.
 */
import { readFileSync } from "node:fs";
import { isSystemError } from "@cachephant/core/scan";
import { scanEntries, type EntryMetadata } from "../store/index.js";

/** How many computations of each function are kept (the newest). */
export const KEPT_COMPUTATIONS = 6;

export interface StoredComputation {
  readonly created: number;
  readonly hash: string;
  readonly parts: EntryMetadata["parts"];
  readonly inputs: EntryMetadata["inputs"];
}

export interface StoredFunction {
  readonly name: string;
  readonly file: string;
  line: number;
  /** Newest first, at most `KEPT_COMPUTATIONS`. */
  readonly computations: StoredComputation[];
  /** The latest code hash its marker names, and that code's `deps` (a JSON text), when there is a marker. */
  marker?: { hash: string; deps: string | undefined };
}

/** `file\0name`: how the store tells functions apart. */
export function functionKey(file: string, name: string): string {
  return `${file}\0${name}`;
}

/** Reads the store's index once; an absent store holds nothing. */
export async function readStoredFunctions(dir: string): Promise<Map<string, StoredFunction>> {
  const functions = new Map<string, StoredFunction>();
  for await (const entry of scanEntries(dir)) {
    const { metadata } = entry;
    const key = functionKey(metadata.file, metadata.name);
    let found = functions.get(key);
    if (found === undefined) {
      found = { name: metadata.name, file: metadata.file, line: metadata.line, computations: [] };
      functions.set(key, found);
    }
    if (metadata.kind === "marker") {
      found.marker = { hash: metadata.hash, deps: markerDeps(entry.path) };
      found.line = metadata.line;
      continue;
    }
    keepNewest(found.computations, {
      created: metadata.created,
      hash: metadata.hash,
      parts: metadata.parts,
      inputs: metadata.inputs,
    });
  }
  return functions;
}

function keepNewest(list: StoredComputation[], item: StoredComputation): void {
  if (list.length >= KEPT_COMPUTATIONS && list[list.length - 1]!.created >= item.created) return;
  list.push(item);
  list.sort((a, b) => b.created - a.created);
  if (list.length > KEPT_COMPUTATIONS) list.length = KEPT_COMPUTATIONS;
}

/** A marker's content: its code's `deps` JSON text, or a bare hash when it had none. */
function markerDeps(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8");
    return text.startsWith("[") ? text : undefined;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return undefined;
  }
}
