/**
 * `/src/a.ts?v=123` or `/src/a.ts#x` → `/src/a.ts`: bundlers append a query
 * or a hash to module ids.
 *
 * The same cut as `stripQuery` in `@cachephant/core` (a unit test holds them
 * equal), kept here because that entry loads Babel: the plugin must not pay
 * for it in a build served from the build cache. It moves to the light
 * `@cachephant/core/scan` entry when that exports it.
 */
export function stripQuery(id: string): string {
  return id.replace(/[?#].*$/s, "");
}
