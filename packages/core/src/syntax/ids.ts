/**
 * `/src/a.ts?v=123` or `/src/a.ts#x` → `/src/a.ts`: bundlers append a query
 * or a hash to module ids (Vite's `cleanUrl` strips both the same way).
 */
export function stripQuery(id: string): string {
  return id.replace(/[?#].*$/s, "");
}
