/**
 * Whether this process runs under Bun rather than Node or Deno: its
 * `node:v8` writes JavaScriptCore's format (no `Deserializer` class, and an
 * Error's `cause` is lost), and its transpiler drops directives from the
 * functions it loads.
 */
export const IS_BUN = typeof (process.versions as Record<string, string | undefined>).bun === "string";
