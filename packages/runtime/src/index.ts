/**
 * `@cachephant/runtime`: what code rewritten by the Cachephant build step
 * calls (`runCached`), and the api to configure and manage the store.
 *
 * Importing this module loads only Node built-ins (the store reads and
 * writes cacache's layout itself), and only what a hit needs: the miss path,
 * the store api, the remote tier and the inputs' hooks load on first use
 * (docs/store.md, "A hit"); the normalizer
 * (`@cachephant/core/standalone`, with Babel, an optional peer) loads on the
 * first call of a `cached()` function.
 */
export { runCached } from "./call/index.js";
export { cached } from "./cached.js";
export type { CachedOptions } from "./cached-options.js";
export { CachedFunctionError, type CachedFunctionErrorCode } from "./cached-error.js";
export { registerState } from "./state.js";
export { registerClasses } from "./classes.js";
export { refresh } from "./refresh.js";
export type { CacheStats, FunctionStats } from "./stats-view.js";
export { configure, type ConfigureOptions } from "./config.js";
// The store api loads its implementation on first call (api-entry.ts): hits never load it.
export { clear, list, prune, stats, verify } from "./api-entry.js";
export type {
  ClearReport,
  ClearTarget,
  FunctionRow,
  FunctionSummary,
  PruneOptions,
  PruneReport,
  StoreOptions,
  VerifyProblem,
  VerifyReport,
} from "./api.js";
export {
  ConfigError,
  MissingPackageError,
  MissingStateError,
  StoreBusyError,
  UnkeyableValueError,
  UnreadableScopeError,
  UnstorableResultError,
} from "./errors.js";
// `cachephant explain --json` and the report's data (the functions stay in the CLI: a program never loads them).
export type {
  ExplainedComputation,
  ExplainedInput,
  ExplainedVariable,
  FunctionExplanation,
  ReachedNode,
} from "./explain/model.js";
export type { CachedFunctionMeta } from "./meta.js";
