/**
 * `@cachephant/core/units`: sizes and durations as users write them, shared
 * by the build step and the runtime (see `directive/units.ts`).
 */
export { DURATION_FORMAT_HINT, parseDuration, parseSize, SIZE_FORMAT_HINT } from "./directive/index.js";
