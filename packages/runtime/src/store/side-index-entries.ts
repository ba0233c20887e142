/**
 * The side index's entries in memory (`side-index.ts`): one record per
 * entry, one object per function and code version shared by its entries,
 * and how a line of the log changes them.
 */

/** A function's code version, shared by its entries. */
export interface IndexedFunction {
  readonly kind: "result" | "marker";
  readonly name: string;
  readonly file: string;
  readonly hash: string;
}

/** One entry as the side index knows it. */
export interface IndexItem {
  /** sha256 of the key: names its bucket. */
  readonly digest: string;
  readonly integrity: string;
  readonly size: number;
  /** When it was written (ms since the epoch). */
  readonly time: number;
  /** Its last use as known (the bucket's mtime may be later). */
  usedAt: number;
  /** When it stops being served; 0: never. */
  readonly expires: number;
  readonly fn: IndexedFunction;
}

/** Where a reading of the log stands: the file and how far (`ino` 0: a log made after, to be read from its start). */
export interface LogPosition {
  readonly ino: number;
  readonly offset: number;
}

export interface LoadedIndex {
  readonly items: Map<string, IndexItem>;
  /** The log file and how far it was read. */
  readonly log: LogPosition;
  /** Whether the snapshot was rebuilt from the layout by this load. */
  readonly rebuilt: boolean;
  /**
   * Content the log's lines let go since the snapshot, with its size: of an
   * entry another process removed, or rewrote with other bytes (a `ttl`, a
   * refresh). Nothing else may use it: a prune removes what no entry left uses.
   */
  readonly released: ReadonlyMap<string, number>;
}

/**
 * Applies one log line; writes older than `since` are skipped (a rebuild's
 * scan saw them). The content of an entry it removes or rewrites with other
 * bytes goes to `released`.
 */
export function apply(
  items: Map<string, IndexItem>,
  line: unknown[],
  since: number,
  functions: Functions,
  released?: Map<string, number>,
): void {
  if (line[0] === "x") {
    const [, digest, time] = line as [string, string, number];
    const known = items.get(digest);
    if (known?.time !== time) return;
    items.delete(digest);
    released?.set(known.integrity, known.size);
    return;
  }
  const [, digest, integrity, size, time, expires, kind, name, file, hash] = line as [
    string,
    string,
    string,
    number,
    number,
    number,
    string,
    string,
    string,
    string,
  ];
  if (time < since) return;
  const known = items.get(digest);
  if (known !== undefined && (known.time > time || (known.time === time && known.integrity === integrity))) return;
  if (known !== undefined && known.integrity !== integrity) released?.set(known.integrity, known.size);
  const fn = functions.get(kind === "r" ? "result" : "marker", name, file, hash);
  items.set(digest, { digest, integrity, size, time, usedAt: time, expires, fn });
}

/** One object per function and code version, shared by its entries. */
export class Functions {
  private readonly known = new Map<string, IndexedFunction>();
  constructor(items: Iterable<IndexItem> = []) {
    for (const { fn } of items) this.known.set(Functions.id(fn.kind, fn.name, fn.file, fn.hash), fn);
  }
  private static id(kind: string, name: string, file: string, hash: string): string {
    return `${kind}\0${name}\0${file}\0${hash}`;
  }
  get(kind: "result" | "marker", name: string, file: string, hash: string): IndexedFunction {
    const id = Functions.id(kind, name, file, hash);
    let fn = this.known.get(id);
    if (fn === undefined) this.known.set(id, (fn = { kind, name, file, hash }));
    return fn;
  }
}
