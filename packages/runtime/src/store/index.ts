// The local store: cacache's layout read and written without cacache, locks between processes,
// transient faults, pruning to the size bound, the counts, and the in-process memory tier.
export { inFileSlot, isTransient, retryTransient } from "./file-faults.js";
export { bucketPath, isEntryMetadata, keyDigest, OWN_DIR, type EntryMetadata } from "./layout.js";
export {
  clearStore,
  pruneStore,
  readIndex,
  totalsByFunction,
  verifyStore,
  type IndexedEntry,
  type Progress,
  type PruneOutcome,
} from "./maintenance.js";
export { forgetMemory, memoryFor } from "./memory-tier.js";
export { backgroundPrune, clearPruneFailure, lastPruneFailure } from "./pruner.js";
export { scanEntries } from "./scan.js";
export { lockPath, storeAt, type Lease, type Store, type StoreRead } from "./store.js";
export { clearStats, countHit, countMiss, functionKey, readStats, type FunctionCounts } from "./stats.js";
export { CodeVersions } from "./superseded.js";
