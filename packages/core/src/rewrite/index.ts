// The transform of one module: analysis, then the rewrite of each marked
// function into a cached call, and the state registrations.

export { transform } from "./transform.js";
export type { CachedFunctionInfo, FunctionExplain, TransformOptions, TransformResult } from "./transform-types.js";
