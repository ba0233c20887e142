/**
 * What the outside check (`state/outside-mutation.ts`) reads off a file's text without
 * parsing it: the words it contains, its `a as b` renames, and whether it
 * holds a module object. Cheap to import (no parser): a plugin logs the
 * words of changed files before it knows whether anything needs analysis.
 */
import { builtinName } from "./resolve.js";

/** What the outside check reads off a file's text (a caller that notices changed files can tell which names they touch). */
export interface FileFacts {
  /** Its words; `default` too when it has a default import (`import Config from …`). */
  words: Set<string>;
  /** `a as b` pairs anywhere in the text (import and export renames among them). */
  renames: Array<[from: string, to: string]>;
  /** A namespace import, `require(` or `import(` of something other than a built-in. */
  moduleObjects: boolean;
}

const WORD = /[A-Za-z_$][\w$]*/g;
const RENAME = /([A-Za-z_$][\w$]*)\s+as\s+([A-Za-z_$][\w$]*|"[^"]*"|'[^']*')/g;
// `import Config from "./config"`, `import Config, { x } from …`: a default import, which names no export.
const DEFAULT_IMPORT = /\bimport\s+[A-Za-z_$][\w$]*\s*(?:,|from\b)/;
const MODULE_OBJECT =
  /\bimport\s*\*\s*as\s+[\w$]+\s+from\s*["']([^"']+)["']|\b(?:require|import)\s*\(\s*(?:["']([^"']+)["'])?/g;

/** The words, renames and module objects of a file's text. */
export function factsOfText(text: string): FileFacts {
  const renames: Array<[string, string]> = [];
  for (const match of text.matchAll(RENAME)) renames.push([match[1]!, match[2]!]);
  let moduleObjects = false;
  for (const match of text.matchAll(MODULE_OBJECT)) {
    const specifier = match[1] ?? match[2];
    if (specifier === undefined || builtinName(specifier) === undefined) moduleObjects = true;
  }
  const words = new Set(text.match(WORD));
  // Listed under `default`, the name the outside check searches for a default export.
  if (DEFAULT_IMPORT.test(text)) words.add("default");
  return { words, renames, moduleObjects };
}
