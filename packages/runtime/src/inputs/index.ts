/**
 * Run-time inputs, as `call/` uses them: record what a computing call reads
 * (`computeRecorded`), keep it in the entry, check it on a hit
 * (`changedInputsReason`), and hand a nested call's inputs to the calls that
 * enclose it (`adoptInputs`). See docs/keys.md, "Run-time inputs".
 *
 * A fault of the runtime here never loses a result: recording that fails
 * leaves the result unstored, checking that fails is a miss; one warning each.
 */
// Only re-exports, no code of its own: a bundler then links each name to its module, and the modules a hit
// does not use (recording, checking) stay out of the chunks a hit loads; `call/` loads them on first need.
export { computeRecorded, UNRECORDED, type Computed } from "./compute.js";
export { changedInputsReason } from "./check.js";
export { activeRecorder, adoptInputs, isRecording, outsideRecording, runAs, type Recorder } from "./record.js";
export { isInputRecords, type InputRecord } from "./format.js";
