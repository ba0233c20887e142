/**
 * `@cachephant/core`: the build step. `transform` rewrites the `"use cache"`
 * functions of one module; `planBuild` finds what a build must rewrite; the
 * module graph caches what transforms of one build share. See
 * docs/architecture.md for the folders and what each owns.
 */
export { transform } from "./rewrite/index.js";
export type { CachedFunctionInfo, FunctionExplain, TransformOptions, TransformResult } from "./rewrite/index.js";
export { planBuild, type BuildPlan, type BuildPlanOptions } from "./plan/index.js";
export { createModuleGraph, ModuleGraph, type ModuleGraphOptions, type ModuleGraphStats } from "./key/index.js";
export type { ReachedNode, VariableSite } from "./key/index.js";
export { CachephantBuildError, type CachephantErrorCode, type ErrorLocation } from "./diagnostics/index.js";
export type { CachephantWarning } from "./diagnostics/index.js";
export type { Resolver } from "./modules/index.js";
export { factsOfText, type FileFacts } from "./modules/index.js";
export { DIRECTIVE_LIKE } from "./directive/index.js";
export { stripQuery } from "./syntax/index.js";
