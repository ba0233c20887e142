/**
 * `runCached`: what every call of a `"use cache"` function goes through.
 * Key, share a running call, read, decode; or compute, encode, write. Every
 * failure of the cache itself degrades to running the function uncached with
 * one warning; the caller always gets the function's own result or error.
 */
import { decodeResult } from "../codec.js";
import { settingsFor } from "../config.js";
import { activeRecorder, adoptInputs, outsideRecording, type Recorder, runAs } from "../inputs/index.js";
import { entryKey, loadSourceParser, NeedsParser } from "../key/index.js";
import type { CachedFunctionMeta } from "../meta.js";
import { insideRefresh } from "../refresh.js";
import { noteScopeKeying, readScope } from "../scope.js";
import { readState } from "../state.js";
import { countMiss, type Store, storeAt } from "../store/index.js";
import { keyingFailureWarning, noteSlowKeying, report, SLOW_KEYING_MS } from "./call-warnings.js";
import { type Call, clock, countServed, type Outcome, usable } from "./call.js";
import { type Found, lookUp, whence } from "./look-up.js";

/**
 * What a miss, a refresh and a checked hit do (compute, record inputs, write, check),
 * loaded on the first of them: a process that only serves hits never loads it.
 */
let miss: Promise<typeof import("./miss.js")> | undefined;
const missPath = () => (miss ??= import("./miss.js"));

/** The remote tier, loaded once, by the first call with one configured (every later call awaits the same promise). */
let remote: Promise<typeof import("../remote/index.js")> | undefined;
const remoteTier = () => (remote ??= import("../remote/index.js"));

/** Calls running in this process, by entry key (single flight). */
const running = new Map<string, Promise<Outcome>>();

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
  const call: Call<T> = { meta, values, compute, settings, parent, started: clock() };
  if (!settings.enabled) return runUncached(call, "caching is off");

  let key: string;
  let scopeValues: readonly unknown[] | undefined;
  // When the keying that every call pays started: loading the parser, once per process, is not part of it.
  let keying = call.started;
  try {
    scopeValues = scope === undefined ? undefined : readScope(scope);
    call.scope = scopeValues;
    call.state = meta.state === undefined ? undefined : readState(meta);
    try {
      key = entryKey(meta, values, scopeValues, call.state, (call.encodings = []), (call.keyedSizes = []));
    } catch (error) {
      if (!(error instanceof NeedsParser)) throw error;
      // A function or class value whose source must be parsed: load the parser once, key again.
      await loadSourceParser();
      keying = clock();
      key = entryKey(meta, values, scopeValues, call.state, (call.encodings = []), (call.keyedSizes = []));
    }
  } catch (error) {
    countMiss(settings.dir, meta.name, meta.file);
    return runUncached(call, keyingFailureWarning(meta, error));
  }
  const keyingMs = clock() - keying;
  if (settings.debug && keyingMs > SLOW_KEYING_MS) noteSlowKeying(call, keyingMs);
  // Debug only, and not part of the keying time: it walks the scope values again.
  if (settings.debug) noteScopeKeying(meta, scopeValues);

  // A refreshing call never joins a running one, which may be serving the old entry.
  call.refresh = settings.refresh || insideRefresh();
  const shared = running.get(key);
  if (shared !== undefined && !call.refresh) return join(call, shared);
  return lead(call, key);
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
  const local = storeAt(settings.dir, settings.maxSize);
  const store = settings.remote === undefined ? local : (await remoteTier()).withRemote(local, settings.remote);
  if (call.refresh) return (await missPath()).refreshEntry(call, store, key, settle);
  const found = await lookUp(store, key, call);
  if ("value" in found) return hit(call, found, settle, store, key);

  // Another process may be computing the same key: wait for it, then read what it wrote.
  const lease = usable(store) ? await store.lock(key) : undefined;
  try {
    if (lease !== undefined) {
      const again = await lookUp(store, key, call);
      if ("value" in again) return hit(call, again, settle, store, key);
    }
    return await (await missPath()).computeAndWrite(call, store, key, found.missReason, settle);
  } finally {
    lease?.release();
  }
}

function hit<T>(
  call: Call<T>,
  found: Found,
  settle: (outcome: Outcome) => void,
  store: Store,
  key: string,
): T | Promise<T> {
  // Check mode (check.ts): off, it costs this one comparison.
  if (call.settings.check !== 0) {
    return missPath().then(({ sampled, checkedHit }) =>
      sampled(call.settings.check) ? checkedHit(call, found, settle, store, key) : served(call, found, settle),
    );
  }
  return served(call, found, settle);
}

/** A hit as it is served without a check. */
function served<T>(call: Call<T>, found: Found, settle: (outcome: Outcome) => void): T {
  settle({ bytes: found.bytes, inputs: found.inputs, computeMs: found.computeMs });
  if (found.inputs !== undefined) adoptInputs(call.parent, found.inputs);
  countServed(call, found.computeMs);
  if (call.settings.debug) report(call, "hit", whence(found));
  return found.value as T;
}
