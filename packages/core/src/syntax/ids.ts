/**
 * `/src/a.ts?v=123` or `/src/a.ts#x` → `/src/a.ts`: bundlers append a query
 * or a hash to module ids (Vite's `cleanUrl` strips both the same way).
 */
export function stripQuery(id: string): string {
  return id.replace(/[?#].*$/s, "");
}

/** `/src/App.vue?vue&lang.ts` → `?vue&lang.ts`: what `stripQuery` cuts ("" for none). */
export function queryOf(id: string): string {
  const start = id.search(/[?#]/);
  return start === -1 ? "" : id.slice(start);
}
