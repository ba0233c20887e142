/**
 * Reading a call's entry: found, expired, corrupt, or missed with the reason
 * a person can act on (new code, new arguments, changed inputs, evicted).
 */
import { decodeResult } from "../codec.js";
import type { InputRecord } from "../inputs/index.js";
import type { KeyParts } from "../key-change.js";
import { keyParts } from "../key/index.js";
import { type EntryMetadata, memoryFor, type Store, type StoreRead } from "../store/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import { label, warnOnce } from "../warn.js";
import { describeError } from "./call-warnings.js";
import { type Call, unreadableDirs } from "./call.js";

let inputsCheckModule: Promise<typeof import("../inputs/check.js")> | undefined;
const inputsCheck = () => (inputsCheckModule ??= import("../inputs/check.js"));

export type Found = {
  readonly value: unknown;
  readonly bytes: Buffer;
  readonly inputs: readonly InputRecord[] | undefined;
  readonly from?: "remote" | "memory" | undefined;
  /** The compute time the entry recorded (ms), if it did. */
  readonly computeMs?: number | undefined;
};

type LookUp = Found | { readonly missReason: string };

/** Where a hit came from, in a debug line's words. */
export function whence(found: Found): string {
  return found.from === "remote"
    ? "from the remote tier"
    : found.from === "memory"
      ? "from memory"
      : "from the local store";
}

/** Reads and decodes an entry (from memory while the store's word for it is recent); any problem is a miss with its reason. Never throws. */
export async function lookUp(store: Store, key: string, call: Call<unknown>): Promise<LookUp> {
  const { meta, settings } = call;
  if (unreadableDirs.has(store.dir)) return { missReason: "uncached: the store cannot be read" };
  const memory = memoryFor(store.dir, settings.memorySize);
  const now = Date.now();
  const remembered = memory?.get(key, now);
  let read: StoreRead;
  try {
    if (remembered !== undefined) {
      read = { status: "found", bytes: remembered.bytes, metadata: remembered.metadata, from: "memory" };
    } else {
      read = await store.get(key);
      if (read.status === "found") memory?.set(key, read.bytes, read.metadata, now);
      else memory?.delete(key);
    }
  } catch (error) {
    unreadableDirs.add(store.dir);
    warnOnce(
      `unreadable:${store.dir}`,
      `cannot read the cache in ${store.dir} (${describeError(error)}); cached functions run uncached in this process`,
    );
    return { missReason: "uncached: the store cannot be read" };
  }
  if (read.status === "corrupt") return corruptEntry(meta, read.reason);
  if (read.status === "missing") {
    if (read.reason === "evicted") return { missReason: "evicted" };
    // The reason is only printed with debug lines: the marker is read (and its module loaded) only then.
    if (!settings.debug) return { missReason: "new arguments" };
    return { missReason: await (await import("./miss-reason.js")).missReason(store, call) };
  }
  if (isExpired(read.metadata, meta)) return { missReason: "expired" };
  const { inputs } = read.metadata;
  if (inputs !== undefined) {
    // The check's modules load with the first entry that recorded inputs. Imported from its own module, not
    // the folder's index: an index a hit imports statically would pull every module it names into the hit's chunks.
    const changed = (await inputsCheck()).changedInputsReason(inputs, meta, settings.root);
    if (changed !== undefined) return { missReason: changed };
  }
  try {
    return { value: decodeResult(read.bytes), bytes: read.bytes, inputs, from: read.from, computeMs: read.metadata.ms };
  } catch (error) {
    // Bytes intact but not a value (e.g. written by a newer Node): drop the entry, rewrite it.
    memory?.delete(key);
    await store.remove(key).catch(() => {});
    return corruptEntry(meta, `its content could not be decoded (${describeError(error)})`);
  }
}

/** The key's parts of this call; undefined when a value cannot be read again. Never throws. */
export function partsOf(call: Call<unknown>): KeyParts | undefined {
  if (call.parts !== undefined) return call.parts;
  try {
    const parts = keyParts(call.meta, call.values, call.scope, call.state, call.encodings);
    for (const _ in parts) return parts;
    return undefined; // a key of nothing but the code
  } catch {
    // catch-all: a user's getter may throw anything the second time; the entry is written without parts.
    return undefined;
  }
}

function isExpired(metadata: EntryMetadata, meta: CachedFunctionMeta): boolean {
  const now = Date.now();
  if (metadata.expires !== undefined && metadata.expires <= now) return true;
  // A ttl shortened since the entry was written applies too.
  return meta.ttl !== undefined && metadata.created + meta.ttl <= now;
}

function corruptEntry(meta: CachedFunctionMeta, reason: string): LookUp {
  warnOnce(
    `corrupt:${label(meta)}:${reason}`,
    `${label(meta)}: a cache entry was unusable (${reason}); computing it again and rewriting it`,
  );
  return { missReason: "corrupt entry" };
}
