/**
 * Debug mode only: what differs between a call and the latest result stored
 * for the same code, for the reason of a miss: `new arguments: args[1].retries`,
 * `new values: unit, mode (src/h.ts)`. Each result entry carries one short
 * digest per keyed part of its call (`keyParts` in `key/entry-key.ts`); a miss compares
 * its own parts with those of the function's latest entry under the same
 * code hash.
 */
import type { CachedFunctionMeta } from "./meta.js";
import { scanEntries } from "./store/index.js";

/** One digest per keyed part: `args[1].retries`, `scope.unit`, `state.src/h.ts#mode`. */
export type KeyParts = Readonly<Record<string, string>>;

interface Latest {
  readonly created: number;
  readonly parts: KeyParts;
}

/** Per store dir: the latest parts stored per function and code hash, read once per process. */
const latestByDir = new Map<string, Promise<Map<string, Latest>>>();

function functionId(meta: Pick<CachedFunctionMeta, "name" | "file" | "hash">): string {
  return `${meta.file}\0${meta.name}\0${meta.hash}`;
}

/** The parts of the latest result stored for `meta`'s code in `dir`, if any entry has them. Never throws. */
export async function latestStoredParts(dir: string, meta: CachedFunctionMeta): Promise<KeyParts | undefined> {
  let pending = latestByDir.get(dir);
  if (pending === undefined) {
    pending = readLatest(dir).catch(() => new Map<string, Latest>());
    latestByDir.set(dir, pending);
  }
  return (await pending).get(functionId(meta))?.parts;
}

/** Records the parts of a result this process wrote, so the next miss compares with it. */
export function noteStoredParts(dir: string, meta: CachedFunctionMeta, parts: KeyParts): void {
  const pending = latestByDir.get(dir);
  if (pending === undefined) return; // read from the store when first needed, this write included
  void pending.then((latest) => latest.set(functionId(meta), { created: Date.now(), parts }));
}

/** Forgets what was read (after `clear()`, and in tests). */
export function forgetStoredParts(): void {
  latestByDir.clear();
}

async function readLatest(dir: string): Promise<Map<string, Latest>> {
  const latest = new Map<string, Latest>();
  for await (const entry of scanEntries(dir)) {
    const { metadata } = entry;
    if (metadata.kind !== "result" || metadata.parts === undefined) continue;
    const id = functionId(metadata);
    const known = latest.get(id);
    if (known === undefined || known.created < metadata.created)
      latest.set(id, { created: metadata.created, parts: metadata.parts });
  }
  return latest;
}

const SCOPE_PREFIX = "scope.";
const STATE_PREFIX = "state.";
/** Beyond this many parts the reason says how many more differ. */
const MAX_NAMED_PARTS = 6;

/**
 * `new arguments: args[0]; new values: unit, mode (src/h.ts)`, naming each part
 * whose digest differs (or that only one of the two has); undefined when none does.
 */
export function describeKeyChange(before: KeyParts, now: KeyParts): string | undefined {
  const changed = Object.keys(now).filter((part) => before[part] !== now[part]);
  for (const part of Object.keys(before)) if (!(part in now)) changed.push(part);
  if (changed.length === 0) return undefined;
  const named = changed.slice(0, MAX_NAMED_PARTS);
  const args = named.filter((part) => !part.startsWith(SCOPE_PREFIX) && !part.startsWith(STATE_PREFIX));
  const values = named.filter((part) => !args.includes(part)).map(describeValuePart);
  const said: string[] = [];
  if (args.length > 0) said.push(`new arguments: ${args.join(", ")}`);
  if (values.length > 0) said.push(`new values: ${values.join(", ")}`);
  const more = changed.length - named.length;
  return said.join("; ") + (more > 0 ? `, and ${more} more` : "");
}

/** `scope.unit` → `unit`; `state.src/h.ts#mode` → `mode (src/h.ts)`. */
function describeValuePart(part: string): string {
  if (part.startsWith(SCOPE_PREFIX)) return part.slice(SCOPE_PREFIX.length);
  const where = part.slice(STATE_PREFIX.length);
  const hash = where.lastIndexOf("#");
  return hash === -1 ? where : `${where.slice(hash + 1)} (${where.slice(0, hash)})`;
}
