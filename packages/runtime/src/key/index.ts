// The key of one call: the canonical encoding of its inputs (arguments,
// closure data, module state), hashed with the function's code hash.

export { classKeyedScopeValues, type ClassKeyedValue } from "./class-keyed-probe.js";
export { canonicalEncoding } from "./encode.js";
export {
  encodingPaths,
  ENTRY_KEY_PREFIX,
  entryKey,
  keyParts,
  type PartEncodings,
  scopePath,
  statePath,
} from "./entry-key.js";
export { loadSourceParser, NeedsParser } from "./function-code.js";
export { type KeyMode, PART_TEXT_LIMIT } from "./walk.js";
