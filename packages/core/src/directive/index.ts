// The `"use cache"` directive: finding marked functions, reading their options,
// checking they can be cached, and near-miss spellings.

export { checkCacheable } from "./cacheable.js";
export { isCacheDirective, parseDirective } from "./directive.js";
export type { DirectiveOptions } from "./directive.js";
export { cacheDirectiveOf, findMarkedFunctions } from "./find.js";
export type { FoundFunctions, MarkedFunction } from "./find.js";
export { DIRECTIVE_LIKE } from "./near-miss.js";
export { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./units.js";
