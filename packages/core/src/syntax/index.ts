// Parsing a module and reading its syntax: scopes and bindings, names, parameter
// bindings, module ids, and the globals code may read.

export { exportName, memberName, PRIMITIVE_LITERALS, sha256, shortHash, TRANSPARENT_WRAPPERS, unwrap } from "./ast.js";
export { queryOf, stripQuery } from "./ids.js";
export { KNOWN_GLOBALS } from "./known-globals.js";
export { functionName, functionStart } from "./names.js";
export { paramDefaults, resolveParams, runtimeParams } from "./params.js";
export type { ResolvedParam } from "./params.js";
export { parseFile } from "./parse.js";
export type { ModuleFormat, ParsedFile } from "./parse.js";
export { Binding, forEachChild, ModuleScopes, Scope } from "./scope.js";
export { scopesOf } from "./scope-crawl.js";
