/**
 * `@cachephant/core/standalone`: the build step's normalization for one
 * function given as source text (`fn.toString()`), for code that no build
 * step sees (`cached()` in a notebook, a REPL, Deno, Bun). Same parser, same
 * normalized text, same hash rules and directive vocabulary as `transform`.
 * The runtime imports this entry lazily, on the first call of a wrapped
 * function.
 */
export {
  analyzeFunctionSource,
  cachedCallsWithDirective,
  freeNamesOfSource,
  helperFacts,
  type HelperFacts,
  type ArgumentResolver,
  type SourceFacts,
  type StandaloneFunction,
  type StandaloneOptions,
} from "./standalone/index.js";
export { FORMAT_VERSION } from "./key/index.js";
export { KNOWN_GLOBALS } from "./syntax/index.js";
export { CachephantBuildError, type CachephantErrorCode } from "./diagnostics/index.js";
