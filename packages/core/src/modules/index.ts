// Where a specifier leads (resolution, packages) and what a module file is: its
// record, its exports, and the facts read off its text without parsing.

export { factsOfText } from "./file-facts.js";
export type { FileFacts } from "./file-facts.js";
export { FileSystemCache } from "./files.js";
export { assetRecord, CODE_FILE, exportedNode, exportTable, moduleRecord, unparseableRecord } from "./module-record.js";
export type { ModuleLoader, ModuleRecord } from "./module-record.js";
export { builtinName, isInNodeModules, isPathSpecifier, packageNameOf, resolveSpecifier } from "./resolve.js";
export type { Resolution, Resolver } from "./resolve.js";
