/**
 * `runCached`: what every call of a `"use cache"` function goes through.
 * Key, share a running call, read, decode; or compute, encode, write. Every
 * failure of the cache itself degrades to running the function uncached with
 * one warning; the caller always gets the function's own result or error.
 */
import { checkHit, sampled } from "./check.js";
import { formatSize } from "./cli-format.js";
import { codeChangeReason } from "./code-change.js";
import { decodeResult, encodeResult } from "./codec.js";
import { settingsFor, type Settings } from "./config.js";
import { MissingStateError, UnkeyableValueError, UnreadableScopeError, UnstorableResultError } from "./errors.js";
import { adoptInputs, activeRecorder, changedInputsReason, computeRecorded, outsideRecording, runAs, UNRECORDED, type InputRecord, type Recorder } from "./inputs/index.js";
import { encodingPaths, entryKey, keyParts, loadSourceParser, NeedsParser, type PartEncodings } from "./key.js";
import { describeKeyChange, latestStoredParts, noteStoredParts, type KeyParts } from "./key-change.js";
import { markCurrentHash, readMarker } from "./markers.js";
import type { CachedFunctionMeta } from "./meta.js";
import { withRemote } from "./remote/index.js";
import { noteClassKeyedScope, readScope } from "./scope.js";
import { insideRefresh } from "./refresh.js";
import { readState } from "./state.js";
import { countHit, countMiss } from "./stats.js";
import { memoryFor, storeAt, type EntryMetadata, type Store, type StoreRead } from "./store/index.js";
import { debugLine, label, warnOnce } from "./warn.js";

/**
 * What joiners of a running call get: bytes to decode their own copy from,
 * or, when the result could not be encoded, the value itself.
 */
type Outcome = ({ readonly bytes: Uint8Array } | { readonly value: unknown }) & {
  readonly inputs?: unknown;
  /** What computing the result took (ms), when known: a joiner's time saved is counted from it. */
  readonly computeMs?: number | undefined;
};

/** Calls running in this process, by entry key (single flight). */
const running = new Map<string, Promise<Outcome>>();

/** Store directories this process cannot read (any use) or cannot write. */
const unreadableDirs = new Set<string>();
const unwritableDirs = new Set<string>();

/**
 * Runs one call of a cached function. Called by the code the build step
 * rewrites; not meant to be called by hand.
 *
 * @param meta what the build step knows about the function (code hash, name, file, options)
 * @param values the call's resolved parameters, in the order of `meta.paths`
 * @param compute the function's original body, taking `values` as parameters
 * @param scope returns the current values of the outside variables the function
 *   reads, in the order of `meta.scope`; absent when it reads none
 * @returns the stored result (a fresh copy) or the result of `compute`
 */
export async function runCached<T>(
  meta: CachedFunctionMeta,
  values: unknown[],
  compute: (...values: unknown[]) => Promise<T>,
  scope?: () => readonly unknown[],
): Promise<T> {
  // Inside another cached call's computation: the runtime's own work is not its input (see inputs/).
  const parent = activeRecorder();
  if (parent !== undefined) return outsideRecording(() => runCall(parent, meta, values, compute, scope));
  return runCall(undefined, meta, values, compute, scope);
}

async function runCall<T>(
  parent: Recorder | undefined,
  meta: CachedFunctionMeta,
  values: unknown[],
  compute: (...values: unknown[]) => Promise<T>,
  scope?: () => readonly unknown[],
): Promise<T> {
  const settings = settingsFor(meta);
  const call: Call<T> = { meta, values, compute, settings, parent, started: performance.now() };
  if (!settings.enabled) return runUncached(call, "caching is off");

  let key: string;
  let scopeValues: readonly unknown[] | undefined;
  try {
    scopeValues = scope === undefined ? undefined : readScope(scope);
    call.scope = scopeValues;
    call.state = meta.state === undefined ? undefined : readState(meta);
    try {
      key = entryKey(meta, values, scopeValues, call.state, (call.encodings = []));
    } catch (error) {
      if (!(error instanceof NeedsParser)) throw error;
      // A function or class value whose source must be parsed: load the parser once, key again.
      await loadSourceParser();
      key = entryKey(meta, values, scopeValues, call.state, (call.encodings = []));
    }
  } catch (error) {
    countMiss(settings.dir, meta.name, meta.file);
    return runUncached(call, keyingFailureWarning(meta, error));
  }
  if (settings.debug && scopeValues !== undefined) noteClassKeyedScope(meta, scopeValues);
  if (settings.debug && performance.now() - call.started > SLOW_KEYING_MS) noteSlowKeying(call, performance.now() - call.started);

  // A refreshing call never joins a running one, which may be serving the old entry.
  call.refresh = settings.refresh || insideRefresh();
  const shared = running.get(key);
  if (shared !== undefined && !call.refresh) return join(call, shared);
  return lead(call, key);
}

/** One call of a cached function, as it goes through the steps below. */
interface Call<T> {
  readonly meta: CachedFunctionMeta;
  readonly values: unknown[];
  readonly compute: (...values: unknown[]) => Promise<T>;
  readonly settings: Settings;
  /** The recorder of the cached call computing around this one, if any: it gets this call's inputs too. */
  readonly parent: Recorder | undefined;
  /** `performance.now()` at the start: a hit's own time, for the time it saved. */
  readonly started: number;
  /** Computes and overwrites its entry without reading it (`CACHEPHANT=refresh`, `refresh()`). */
  refresh?: boolean;
  /** The values of the outside variables and the state the key was made of. */
  scope?: readonly unknown[];
  state?: readonly unknown[];
  /** What computing took (ms), recorded in the entry it writes. */
  computeMs?: number;
  /** Each part's encoding as the key was made of it (a miss digests them instead of walking the values again). */
  encodings?: PartEncodings | undefined;
  /** The key's part digests, taken when the call misses (see `partsOf`). */
  parts?: KeyParts | undefined;
}

/** Keying slower than this is worth a debug line: large data in the key costs every call, hits included. */
const SLOW_KEYING_MS = 10;

/** Says once per function (debug only) that keying is slow, and which value is the largest. */
function noteSlowKeying(call: Call<unknown>, ms: number): void {
  const encodings = call.encodings ?? [];
  const paths = encodingPaths(call.meta, call.values.length, call.scope?.length, call.state?.length);
  let largest = -1;
  for (let i = 0; i < encodings.length; i++) {
    if ((encodings[i]?.length ?? 0) > (encodings[largest]?.length ?? -1)) largest = i;
  }
  const what = largest === -1 ? "" : `; the largest value is ${paths[largest]} (${encodings[largest]!.length} characters keyed)`;
  warnOnce(
    `slow-key:${label(call.meta)}`,
    `${label(call.meta)}: keying a call took ${ms.toFixed(1)}ms${what}. Every call pays it, hits included: pass a smaller value (an id, a path, a version) or name it in "ignore="`,
  );
}

/** Counts a call served without computing, and the time it saved (none known: none counted). */
function countServed(call: Call<unknown>, computeMs: number | undefined): void {
  const saved = computeMs === undefined ? 0 : computeMs - (performance.now() - call.started);
  countHit(call.settings.dir, call.meta.name, call.meta.file, saved);
}

async function runUncached<T>(call: Call<T>, why: string): Promise<T> {
  // Its reads are the enclosing call's own.
  if (!call.settings.debug) return runAs(call.parent, () => call.compute(...call.values));
  try {
    return await runAs(call.parent, () => call.compute(...call.values));
  } finally {
    report(call, "miss", `uncached: ${why}`);
  }
}

async function join<T>(call: Call<T>, shared: Promise<Outcome>): Promise<T> {
  const outcome = await shared;
  adoptInputs(call.parent, outcome.inputs);
  const value = "bytes" in outcome ? decodeResult(outcome.bytes) : outcome.value;
  countServed(call, outcome.computeMs);
  if (call.settings.debug) report(call, "hit", "joined a running call");
  return value as T;
}

/** Runs the call for itself and for the calls that join it meanwhile. */
async function lead<T>(call: Call<T>, key: string): Promise<T> {
  let settle!: (outcome: Outcome) => void;
  let fail!: (error: unknown) => void;
  const shared = new Promise<Outcome>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  shared.catch(() => {}); // nobody may have joined; the leader rethrows the error itself
  running.set(key, shared);
  try {
    return await readOrCompute(call, key, settle);
  } catch (error) {
    fail(error); // joiners get the same error (a no-op if they were already settled)
    throw error;
  } finally {
    // Released on every outcome, so a call after a failure runs again.
    running.delete(key);
  }
}

async function readOrCompute<T>(call: Call<T>, key: string, settle: (outcome: Outcome) => void): Promise<T> {
  const { settings } = call;
  // The remote tier, when configured, sits behind the local store (docs/remote.md).
  const store = withRemote(storeAt(settings.dir, settings.maxSize), settings.remote);
  if (call.refresh) return refreshEntry(call, store, key, settle);
  const found = await lookUp(store, key, call);
  if ("value" in found) return hit(call, found, settle, store, key);

  // Another process may be computing the same key: wait for it, then read what it wrote.
  const lease = usable(store) ? await store.lock(key) : undefined;
  try {
    if (lease !== undefined) {
      const again = await lookUp(store, key, call);
      if ("value" in again) return hit(call, again, settle, store, key);
    }
    return await computeAndWrite(call, store, key, found.missReason, settle);
  } finally {
    lease?.release();
  }
}

/** Computes and writes over the entry, holding its key like a miss does. */
async function refreshEntry<T>(call: Call<T>, store: Store, key: string, settle: (outcome: Outcome) => void): Promise<T> {
  const lease = usable(store) ? await store.lock(key) : undefined;
  try {
    return await computeAndWrite(call, store, key, "refresh: computed again and stored over its entry", settle);
  } finally {
    lease?.release();
  }
}

function hit<T>(call: Call<T>, found: Found, settle: (outcome: Outcome) => void, store: Store, key: string): T | Promise<T> {
  // Check mode (check.ts): off, it costs this one comparison.
  if (call.settings.check !== 0 && sampled(call.settings.check)) return checkedHit(call, found, settle, store, key);
  settle({ bytes: found.bytes, inputs: found.inputs, computeMs: found.computeMs });
  if (found.inputs !== undefined) adoptInputs(call.parent, found.inputs);
  countServed(call, found.computeMs);
  if (call.settings.debug) report(call, "hit", whence(found));
  return found.value as T;
}

/** A hit that computes too; joiners wait for the value it proves or replaces. */
async function checkedHit<T>(
  call: Call<T>,
  found: Found,
  settle: (outcome: Outcome) => void,
  store: Store,
  key: string,
): Promise<T> {
  // Recorded like a miss's computation: a stale entry is stored over with what the fresh call read.
  let inputs: readonly InputRecord[] | undefined | typeof UNRECORDED;
  const compute = async () => {
    const fresh = await computeRecorded(call.meta, call.parent, call.settings.root, () => call.compute(...call.values));
    inputs = fresh.inputs;
    return fresh.value;
  };
  let checked;
  try {
    checked = await checkHit({ meta: call.meta, key, stored: found, compute, reportFile: call.settings.checkReport });
  } catch (error) {
    if (call.settings.debug) report(call, "hit", "checked: it threw, so its error is passed on; the entry is kept");
    throw error;
  }
  const recorded = inputs === UNRECORDED ? undefined : inputs;
  settle(checked.bytes !== undefined ? { bytes: checked.bytes, inputs: recorded } : { value: checked.value, inputs: recorded });
  countServed(call, found.computeMs);
  if (checked.rewrite !== undefined && inputs !== UNRECORDED) await write(store, key, checked.rewrite, call, recorded);
  if (call.settings.debug) report(call, "hit", `${whence(found)}; ${checked.note}`);
  return checked.value as T;
}

async function computeAndWrite<T>(
  call: Call<T>,
  store: Store,
  key: string,
  missReason: string,
  settle: (outcome: Outcome) => void,
): Promise<T> {
  const { meta, settings } = call;
  let value: T;
  let inputs: readonly InputRecord[] | undefined | typeof UNRECORDED;
  countMiss(settings.dir, meta.name, meta.file);
  // The parts of the key as it was made, before the computation can change the values; the encodings go.
  call.parts = partsOf(call);
  call.encodings = undefined;
  const computing = performance.now();
  try {
    ({ value, inputs } = await computeRecorded(meta, call.parent, settings.root, () => call.compute(...call.values)));
  } catch (error) {
    if (settings.debug) report(call, "miss", `${missReason}; it threw, nothing stored`);
    throw error;
  }

  call.computeMs = performance.now() - computing;
  let bytes: Buffer;
  try {
    bytes = encodeResult(value);
  } catch (error) {
    settle({ value, inputs, computeMs: call.computeMs });
    const why = unstorableWarning(meta, error);
    if (settings.debug) report(call, "miss", `${missReason}; result not stored: ${why}`);
    return value;
  }
  // Joiners can decode their copies now; the write need not hold them up.
  settle({ bytes, inputs, computeMs: call.computeMs });
  if (inputs === UNRECORDED) {
    if (settings.debug) report(call, "miss", `${missReason}; result not stored: its run-time inputs could not be recorded`);
    return value;
  }
  const oversize = oversizeWarning(call, bytes.byteLength);
  if (oversize !== undefined) {
    if (settings.debug) report(call, "miss", `${missReason}; result not stored: ${oversize}`);
    return value;
  }
  const wrote = await write(store, key, bytes, call, inputs);
  if (settings.debug) {
    report(call, "miss", wrote ? missReason : `${missReason}; uncached: the store cannot be written`);
  }
  return value;
}

function usable(store: Store): boolean {
  return !unwritableDirs.has(store.dir) && !unreadableDirs.has(store.dir);
}

type Found = {
  readonly value: unknown;
  readonly bytes: Buffer;
  readonly inputs: readonly InputRecord[] | undefined;
  readonly from?: "remote" | "memory" | undefined;
  /** The compute time the entry recorded (ms), if it did. */
  readonly computeMs?: number | undefined;
};
type LookUp = Found | { readonly missReason: string };

/** Where a hit came from, in a debug line's words. */
function whence(found: Found): string {
  return found.from === "remote" ? "from the remote tier" : found.from === "memory" ? "from memory" : "from the local store";
}

/** Reads and decodes an entry (from memory while the store's word for it is recent); any problem is a miss with its reason. Never throws. */
async function lookUp(store: Store, key: string, call: Call<unknown>): Promise<LookUp> {
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
    // The reason is only printed with debug lines: the marker is read only then.
    if (!settings.debug) return { missReason: "new arguments" };
    const marker = await readMarker(store, meta);
    if (marker === undefined) return { missReason: "nothing stored for this function" };
    if (marker.hash === meta.hash) return { missReason: await newInputsReason(store, call) };
    return { missReason: codeChangeReason(marker.deps, meta.deps) };
  }
  if (isExpired(read.metadata, meta)) return { missReason: "expired" };
  const { inputs } = read.metadata;
  if (inputs !== undefined) {
    const changed = changedInputsReason(inputs, meta, settings.root);
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

/**
 * Why a function whose code has results misses: the parts of its key that
 * differ from its latest stored result (`new arguments: args[1].retries`,
 * `new values: unit`), or, when that entry is gone or predates the parts,
 * what its key is made of; a key of nothing but the code: its one entry is gone.
 */
async function newInputsReason(store: Store, call: Call<unknown>): Promise<string> {
  const { meta } = call;
  const stored = await latestStoredParts(store.dir, meta);
  const now = stored === undefined ? undefined : partsOf(call);
  const changed = stored === undefined || now === undefined ? undefined : describeKeyChange(stored, now);
  if (changed !== undefined) return changed;
  const keyedArguments = meta.paths.length - (meta.ignore?.length ?? 0) > 0;
  const keyedValues = (meta.scope?.length ?? 0) + (meta.state?.length ?? 0) > 0;
  if (keyedArguments && keyedValues) return "new arguments or new values of outside variables or state";
  if (keyedArguments) return "new arguments";
  if (keyedValues) return "new values of outside variables or state";
  return "evicted or cleared (no inputs: its one entry is gone)";
}

/** The key's parts of this call; undefined when a value cannot be read again. Never throws. */
function partsOf(call: Call<unknown>): KeyParts | undefined {
  if (call.parts !== undefined) return call.parts;
  try {
    const parts = keyParts(call.meta, call.values, call.scope, call.state, call.encodings);
    for (const _ in parts) return parts;
    return undefined; // a key of nothing but the code
  } catch {
    return undefined; // a getter that throws the second time: the entry is written without parts
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

/** Writes the entry and the function's marker. Returns false when the store cannot be written. Never throws. */
async function write(
  store: Store,
  key: string,
  bytes: Buffer,
  call: Call<unknown>,
  inputs: readonly InputRecord[] | undefined,
): Promise<boolean> {
  const { meta } = call;
  if (!usable(store)) return false;
  const created = Date.now();
  const parts = partsOf(call);
  const metadata: EntryMetadata = {
    v: 1,
    kind: "result",
    name: meta.name,
    file: meta.file,
    line: meta.line,
    hash: meta.hash,
    created,
    ...(meta.ttl !== undefined ? { expires: created + meta.ttl } : {}),
    ...(parts !== undefined ? { parts } : {}),
    ...(inputs !== undefined ? { inputs } : {}),
    ...(call.computeMs !== undefined ? { ms: Math.round(call.computeMs * 10) / 10 } : {}),
  };
  try {
    await store.put(key, bytes, metadata);
  } catch (error) {
    if (!storeCannotBeWritten(error)) {
      // Anything else (a fault the store waited out in vain, a folder removed meanwhile) costs this result only.
      warnOnce(`write-failed:${store.dir}:${label(meta)}`, `${label(meta)}: result not stored (${describeError(error)}); later results are stored as usual`);
      return false;
    }
    unwritableDirs.add(store.dir);
    warnOnce(
      `unwritable:${store.dir}`,
      `cannot write the cache in ${store.dir} (${describeError(error)}); results are not stored for the rest of this process`,
    );
    return false;
  }
  memoryFor(store.dir, call.settings.memorySize)?.set(key, bytes, metadata, Date.now());
  if (parts !== undefined) noteStoredParts(store.dir, meta, parts);
  await markCurrentHash(store, meta);
  return true;
}

/** Faults that last: a read-only, full or foreign store, or one whose path is not a folder. */
const LASTING_WRITE_FAULTS = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENOTDIR"]);

function storeCannotBeWritten(error: unknown): boolean {
  return LASTING_WRITE_FAULTS.has((error as NodeJS.ErrnoException | undefined)?.code ?? "");
}

/** Warns (once) about a call that cannot be keyed; returns the reason for its debug line. */
function keyingFailureWarning(meta: CachedFunctionMeta, error: unknown): string {
  if (error instanceof UnreadableScopeError) {
    warnOnce(
      `scope:${label(meta)}`,
      `${label(meta)} runs uncached: ${error.message}; is it called before a variable it reads is initialized?`,
    );
    return error.message;
  }
  if (error instanceof MissingStateError) {
    warnOnce(`state:${label(meta)}:${error.file}`, `${label(meta)} runs uncached: ${error.message}`);
    return error.message;
  }
  if (!(error instanceof UnkeyableValueError)) {
    const why = `its inputs could not be keyed (${describeError(error)})`;
    warnOnce(`unkeyable:${label(meta)}`, `${label(meta)} runs uncached: ${why}`);
    return why;
  }
  warnOnce(
    `unkeyable:${label(meta)}:${error.path}`,
    `${label(meta)} runs uncached: ${error.message}; ${ignoreHint(meta, error.path)} or pass plain data`,
  );
  return error.message;
}

/** `add "ignore=logger" to its directive` when the parameter's name shows in its path. */
function ignoreHint(meta: CachedFunctionMeta, path: string): string {
  // An outside variable: `scope.config.x` names the variable `config`.
  const variable = /^scope\.([A-Za-z_$][\w$]*)/.exec(path)?.[1];
  if (variable !== undefined) return `add "ignore=${variable}" to its directive`;
  let binding: string | undefined;
  for (const p of meta.paths) {
    const inside = path === p || (path.startsWith(p) && /^[.[<]/.test(path.slice(p.length)));
    if (inside && (binding === undefined || p.length > binding.length)) binding = p;
  }
  const name = binding === undefined ? undefined : /\.([A-Za-z_$][\w$]*)$/.exec(binding)?.[1];
  return name !== undefined ? `add "ignore=${name}" to its directive` : 'name the parameter in "ignore=" in its directive';
}

/**
 * A result may take at most this share of the size bound: a larger one would
 * evict most of the store (or, past the bound, all of it, itself included).
 */
export const MAX_ENTRY_SHARE = 0.5;

/** Warns (once per function) about a result too large for the bound; returns the reason, or undefined when it fits. */
function oversizeWarning(call: Call<unknown>, size: number): string | undefined {
  const { maxSize } = call.settings;
  if (size <= maxSize * MAX_ENTRY_SHARE) return undefined;
  const why = `it takes ${formatSize(size)}, more than half the cache's size bound (${formatSize(maxSize)}); raise maxSize to cache it`;
  warnOnce(`oversize:${label(call.meta)}`, `${label(call.meta)}: result not stored, so calls compute again: ${why}`);
  return why;
}

function unstorableWarning(meta: CachedFunctionMeta, error: unknown): string {
  const why = error instanceof UnstorableResultError ? error.message : describeError(error);
  warnOnce(`unstorable:${label(meta)}`, `${label(meta)}: result not stored, so calls compute again: ${why}`);
  return why;
}

function report(call: Call<unknown>, outcome: "hit" | "miss", reason?: string): void {
  const ms = (performance.now() - call.started).toFixed(1);
  debugLine(`${outcome} ${label(call.meta)} ${ms}ms${reason === undefined ? "" : `: ${reason}`}`);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
}

/** Forgets which store directories failed (tests). */
export function resetStoreFailures(): void {
  unreadableDirs.clear();
  unwritableDirs.clear();
}
