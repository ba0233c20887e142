/**
 * Recording a computing call's run-time inputs: the hooks installed on the
 * first computation, the call run with its recorder, and what it read
 * fingerprinted into the records its entry keeps.
 */
import { InputsFaultError } from "../errors.js";
import type { CachedFunctionMeta } from "../meta.js";
import { label, warnOnce } from "../warn.js";
import { fingerprint, forgetPackages } from "./fingerprint.js";
import { recordId, type InputRecord } from "./format.js";
import { installHooks } from "./hooks.js";
import { recordWhile, type Recorder } from "./record.js";

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
