const MAX_DEPTH = 12;

/**
 * A value as stable text: object keys sorted, functions by their source,
 * regular expressions by their text, instances by their class name and own
 * data; a cycle, or nesting deeper than a settings object has, is cut.
 */
export function stableText(value: unknown, depth = 0, seen: Set<object> = new Set()): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `function ${JSON.stringify(Function.prototype.toString.call(value))}`;
  if (value instanceof RegExp) return `regexp ${JSON.stringify(String(value))}`;
  if (typeof value !== "object") return "?";
  if (seen.has(value) || depth >= MAX_DEPTH) return "…";
  seen.add(value);
  try {
    const next = (item: unknown) => stableText(item, depth + 1, seen);
    if (Array.isArray(value)) return `[${value.map(next).join(",")}]`;
    if (value instanceof Map)
      return `Map{${[...value]
        .map(([key, item]) => `${next(key)}:${next(item)}`)
        .sort()
        .join(",")}}`;
    if (value instanceof Set) return `Set{${[...value].map(next).sort().join(",")}}`;
    const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const tag = prototype === null || prototype === Object.prototype ? "" : (prototype.constructor?.name ?? "?");
    const entries = Object.keys(value)
      .sort()
      .map((key) => {
        let item: unknown;
        try {
          item = (value as Record<string, unknown>)[key];
        } catch {
          // catch-all: a getter in a bundler's settings (their code, not ours) may throw anything; it marks the option, never fails the build.
          item = "<unreadable>";
        }
        // An absent option and one set to undefined resolve alike.
        return item === undefined ? undefined : `${JSON.stringify(key)}:${next(item)}`;
      })
      .filter((entry) => entry !== undefined);
    return `${tag}{${entries.join(",")}}`;
  } finally {
    seen.delete(value);
  }
}
