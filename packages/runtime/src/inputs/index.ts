/**
 * Run-time inputs, as `call/` uses them: record what a computing call reads
 * (`computeRecorded`), keep it in the entry, check it on a hit
 * (`changedInputsReason`), and hand a nested call's inputs to the calls that
 * enclose it (`adoptInputs`). See docs/keys.md, "Run-time inputs".
 *
 * A fault of the runtime here never loses a result: recording that fails
 * leaves the result unstored, checking that fails is a miss; one warning each.
 */
import { InputsFaultError } from "../errors.js";
import type { CachedFunctionMeta } from "../meta.js";
import { label, warnOnce } from "../warn.js";
import { changedInput } from "./check.js";
import { fingerprint, forgetPackages } from "./fingerprint.js";
import { isInputRecords, recordId, type InputRecord } from "./format.js";
import { installHooks } from "./hooks.js";
import { activeRecorder, recordWhile, runAs, type Recorder } from "./record.js";

/** Installs the hooks; a failure is never a reason for a call to fail: one warning, and what did install records. */
function install(): void {
  try {
    installHooks();
  } catch (error) {
    warnOnce(
      "inputs-hooks",
      `run-time inputs cannot all be recorded in this process: ${new InputsFaultError("recording", error).message}`,
    );
  }
}

export { activeRecorder, outsideRecording } from "./record.js";
export { isInputRecords, type InputRecord } from "./format.js";
export type { Recorder } from "./record.js";

/** The inputs of a computed call could not be fingerprinted: store nothing. */
export const UNRECORDED = Symbol("unrecorded");

export interface Computed<T> {
  readonly value: T;
  /** What the entry keeps: undefined when nothing was read or recording is off; `UNRECORDED` after a fault. */
  readonly inputs: readonly InputRecord[] | undefined | typeof UNRECORDED;
}

/**
 * Runs `compute` (a cached call's body) with a recorder nested in `parent`
 * (the call enclosing it, if computing), then fingerprints what it read.
 * With `inputs=off` it runs in the enclosing context as is and records
 * nothing of its own.
 */
export async function computeRecorded<T>(
  meta: CachedFunctionMeta,
  parent: Recorder | undefined,
  root: string,
  compute: () => Promise<T>,
): Promise<Computed<T>> {
  if (meta.inputs === false) return { value: await compute(), inputs: undefined };
  const { value, recorder } = await recordWhile(parent, install, compute);
  let inputs: InputRecord[];
  try {
    inputs = finish(recorder, root);
  } catch (error) {
    const fault = new InputsFaultError("recording", error);
    warnOnce(`inputs-record:${label(meta)}`, `${label(meta)}: result not stored: ${fault.message}`);
    return { value, inputs: UNRECORDED };
  }
  if (parent !== undefined && inputs.length > 0) parent.adopt(inputs);
  return { value, inputs: inputs.length > 0 ? inputs : undefined };
}

/** The entry's records: nested calls' as their entries hold them, then this call's own reads fingerprinted now. */
function finish(recorder: Recorder, root: string): InputRecord[] {
  forgetPackages();
  const records = new Map<string, InputRecord>(recorder.adopted);
  for (const observation of recorder.seen.values()) {
    const record = fingerprint(observation, root);
    const id = recordId(record);
    if (!records.has(id)) records.set(id, record);
  }
  return [...records.values()].sort((a, b) => (recordId(a) < recordId(b) ? -1 : 1));
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

/** Adds the inputs of a nested call's entry (a hit, or a call it joined) to the calls enclosing it. */
export function adoptInputs(parent: Recorder | undefined, inputs: unknown): void {
  if (parent !== undefined && isInputRecords(inputs)) parent.adopt(inputs);
}

/** Runs `fn` as part of `parent`'s computation (an uncached nested call: its reads are the parent's). */
export { runAs };

/** For tests: whether the current context records. */
export function isRecording(): boolean {
  return activeRecorder() !== undefined;
}
