/**
 * The calls that compute: a miss (compute, record its run-time inputs,
 * encode, write), a refresh (the same over its entry), and a hit that check
 * mode samples (compute too, compare). Loaded by `run-cached.ts` on the
 * first of them, so a process that only serves hits never loads the writer,
 * the inputs' hooks or the check.
 */
import { checkHit } from "../check.js";
import { encodeResult } from "../codec.js";
import { computeRecorded, type InputRecord, UNRECORDED } from "../inputs/index.js";
import { countMiss, type Store } from "../store/index.js";
import { report } from "./call-warnings.js";
import { type Call, clock, countServed, type Outcome, usable } from "./call.js";
import { type Found, partsOf, whence } from "./look-up.js";
import { oversizeWarning, unstorableWarning, write } from "./write-result.js";

export { sampled } from "../check.js";

/** Computes and writes over the entry, holding its key like a miss does. */
export async function refreshEntry<T>(
  call: Call<T>,
  store: Store,
  key: string,
  settle: (outcome: Outcome) => void,
): Promise<T> {
  const lease = usable(store) ? await store.lock(key) : undefined;
  try {
    return await computeAndWrite(call, store, key, "refresh: computed again and stored over its entry", settle);
  } finally {
    lease?.release();
  }
}

/** A hit that computes too; joiners wait for the value it proves or replaces. */
export async function checkedHit<T>(
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
  settle(
    checked.bytes !== undefined
      ? { bytes: checked.bytes, inputs: recorded }
      : { value: checked.value, inputs: recorded },
  );
  countServed(call, found.computeMs);
  if (checked.rewrite !== undefined && inputs !== UNRECORDED) await write(store, key, checked.rewrite, call, recorded);
  if (call.settings.debug) report(call, "hit", `${whence(found)}; ${checked.note}`);
  return checked.value as T;
}

export async function computeAndWrite<T>(
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
  const computing = clock();
  try {
    ({ value, inputs } = await computeRecorded(meta, call.parent, settings.root, () => call.compute(...call.values)));
  } catch (error) {
    if (settings.debug) report(call, "miss", `${missReason}; it threw, nothing stored`);
    throw error;
  }

  call.computeMs = clock() - computing;
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
    if (settings.debug)
      report(call, "miss", `${missReason}; result not stored: its run-time inputs could not be recorded`);
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
