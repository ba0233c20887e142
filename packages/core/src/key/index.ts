// What a cached function's key covers: its normalized code, the dependency
// graph of what it reaches, and the hash of it all.

export { moduleClasses } from "./class-entries.js";
export type { ClassEntry } from "./class-entries.js";
export { analyzeDependencies } from "./dependencies.js";
export type { FunctionDependencies } from "./dependencies.js";
export type { ReachedNode, VariableSite } from "./explain.js";
export { analyzeFunctions, checkIgnoredNames, moduleAnalysis } from "./function-analysis.js";
export type { Analysis, AnalyzedFunction } from "./function-analysis.js";
export type { StateBinding } from "./graph-node.js";
export { FORMAT_VERSION, hashFunction } from "./hash.js";
export type { HashInput } from "./hash.js";
export { createModuleGraph, graphState, ModuleGraph } from "./module-graph.js";
export type { ModuleGraphOptions, ModuleGraphStats } from "./module-graph.js";
export { normalizeDeclaration, normalizeFunction } from "./normalize.js";
export { readsViewLayout } from "./view-layout.js";
export type { ScopeEntry } from "./scope-entries.js";
