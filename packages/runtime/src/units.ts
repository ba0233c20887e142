/**
 * Sizes and durations as users write them. They live in `@cachephant/core`
 * (the build step reads `ttl=1h` with them, and core depends on nothing of
 * ours); this entry keeps `@cachephant/runtime/units` for the plugin and CLI.
 */
export * from "@cachephant/core/units";
