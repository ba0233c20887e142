/**
 * `@cachephant/core/globals`: the globals a function may read and still be
 * fully described by its source text (see `syntax/known-globals.ts`).
 */
export { KNOWN_GLOBALS } from "./syntax/index.js";
