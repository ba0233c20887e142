// The build step for one function given as source text (`cached()` without a
// build): its normalized code, free names and arguments.

export type { ArgumentResolver } from "./arguments.js";
export { analyzeFunctionSource, cachedCallsWithDirective, freeNamesOfSource, helperFacts } from "./function-source.js";
export type { HelperFacts, SourceFacts, StandaloneFunction, StandaloneOptions } from "./function-source.js";
