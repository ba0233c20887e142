/**
 * Why a call missed, in the words of a debug line (`CACHEPHANT_DEBUG`): read
 * from the function's marker and its latest stored result's key parts.
 * Loaded by `look-up.ts` only when debug lines are on.
 */
import { codeChangeReason } from "../code-change.js";
import { describeKeyChange, latestStoredParts } from "../key-change.js";
import { readMarker } from "../markers.js";
import type { Store } from "../store/index.js";
import type { Call } from "./call.js";
import { partsOf } from "./look-up.js";

/** The reason of a miss where the store holds nothing for the key: new code, or which parts of the key are new. */
export async function missReason(store: Store, call: Call<unknown>): Promise<string> {
  const { meta } = call;
  const marker = await readMarker(store, meta);
  if (marker === undefined) return "nothing stored for this function";
  if (marker.hash === meta.hash) return newInputsReason(store, call);
  return codeChangeReason(marker.deps, meta.deps);
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
