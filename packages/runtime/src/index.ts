/**
 * `@cachephant/runtime`: what code rewritten by the Cachephant build step
 * calls (`runCached`), and the api to configure and manage the store.
 *
 * Importing this module loads only Node built-ins (the store reads and
 * writes cacache's layout itself); the normalizer
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
export { stats, type CacheStats, type FunctionStats } from "./stats-view.js";
export { configure, type ConfigureOptions } from "./config.js";
export {
  clear,
  list,
  prune,
  verify,
  type ClearReport,
  type ClearTarget,
  type FunctionRow,
  type FunctionSummary,
  type PruneOptions,
  type PruneReport,
  type StoreOptions,
  type VerifyProblem,
  type VerifyReport,
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
