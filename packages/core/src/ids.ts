/** `/src/a.ts?v=123` → `/src/a.ts`: bundlers append queries to ids. */
export function stripQuery(id: string): string {
  const query = id.indexOf("?");
  return query === -1 ? id : id.slice(0, query);
}
