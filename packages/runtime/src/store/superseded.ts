/**
 * Which results are of code that no longer exists ("superseded"): an entry
 * whose code hash the latest build of its module no longer has
 * (`built-functions.ts`), or, for a function no build recorded (`cached()`,
 * or a build from before the records), whose hash is not the one its latest
 * results were written under (its marker, `markers.ts`). Anything neither
 * knows about counts as current: a superseded mark must never be a guess.
 */
import type { EntryMetadata } from "./layout.js";

/** Tells superseded entries from current ones; feed it the store's markers first. */
export class CodeVersions {
  private readonly marked = new Map<string, string>();

  /** @param built the latest builds' code hashes by module (`builtHashes`) */
  constructor(private readonly built: ReadonlyMap<string, ReadonlySet<string>>) {}

  /** Takes a marker entry's word for its function's latest code. */
  addMarker(marker: Pick<EntryMetadata, "name" | "file" | "hash">): void {
    this.marked.set(`${marker.name}\0${marker.file}`, marker.hash);
  }

  superseded(entry: Pick<EntryMetadata, "name" | "file" | "hash">): boolean {
    const built = this.built.get(entry.file);
    if (built !== undefined) return !built.has(entry.hash);
    const latest = this.marked.get(`${entry.name}\0${entry.file}`);
    return latest !== undefined && latest !== entry.hash;
  }
}
