/**
 * Debug mode only: what changed between two versions of a function's code,
 * from their `meta.deps` lists (`[label, hash]` pairs, own code first), for
 * the reason of a `new code` miss:
 * `new code: changed helper tax (src/tax.ts), package lodash 4.17.20 → 4.17.21`.
 */
import { parseJsonText } from "@cachephant/core/scan";

/** Beyond this many changes the line says how many more there are. */
const MAX_NAMED_CHANGES = 6;

const OWN_CODE = "own code";
const PACKAGE_PREFIX = "package ";

/**
 * The reason of a miss after a code change: `new code`, followed by what
 * changed when both versions have a readable deps list.
 * @param stored the deps of the code the function's latest results were written under (JSON text)
 * @param current the deps of the code running now (JSON text)
 */
export function codeChangeReason(stored: string | undefined, current: string | undefined): string {
  const before = parseDeps(stored);
  const now = parseDeps(current);
  if (before === undefined || now === undefined) return "new code";
  const changes = describeChanges(before, now);
  if (changes.length === 0) return "new code";
  const named = changes.slice(0, MAX_NAMED_CHANGES);
  const more = changes.length - named.length;
  return `new code: ${named.join(", ")}${more > 0 ? `, and ${more} more` : ""}`;
}

/** The changes from `before` to `now`: changed and added entries in `now`'s order, then removed ones. */
export function describeChanges(before: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] {
  const changes: string[] = [];
  for (const [label, hash] of now) {
    const old = before.get(label);
    if (old === undefined) changes.push(`added ${describeDep(label, hash)}`);
    else if (old !== hash) changes.push(describeChanged(label, old, hash));
  }
  for (const [label, hash] of before) {
    if (!now.has(label)) changes.push(`removed ${describeDep(label, hash)}`);
  }
  return changes;
}

function describeChanged(label: string, old: string, hash: string): string {
  if (label === OWN_CODE) return OWN_CODE;
  // A package's "hash" is its version, which the user knows; other hashes mean nothing to them.
  if (label.startsWith(PACKAGE_PREFIX)) return `${label} ${old} → ${hash}`;
  return `changed ${label}`;
}

function describeDep(label: string, hash: string): string {
  return label.startsWith(PACKAGE_PREFIX) ? `${label} ${hash}` : label;
}

/** `[label, hash]` pairs as a map, or undefined when `text` is missing or not such a list. */
export function parseDeps(text: string | undefined): Map<string, string> | undefined {
  if (text === undefined) return undefined;
  const parsed = parseJsonText(text);
  if (!Array.isArray(parsed)) return undefined;
  const deps = new Map<string, string>();
  for (const pair of parsed) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      return undefined;
    }
    deps.set(pair[0], pair[1]);
  }
  return deps;
}
