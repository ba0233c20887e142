import { parse, type ParserOptions, type ParserPlugin } from "@babel/parser";
import type * as t from "@babel/types";
import type { ErrorReporter } from "../diagnostics/index.js";
import { queryOf, stripQuery } from "./ids.js";

/** How the rewritten file imports the runtime: `import` or `require`. */
export type ModuleFormat = "esm" | "cjs";

export interface ParsedFile {
  ast: t.File;
  format: ModuleFormat;
}

/**
 * The extension that decides the language: the file's, or the `lang.ts` of
 * a query (`App.vue?vue&type=script&lang.ts`), which names the language of a
 * block inside another kind of file.
 */
function languageExtension(id: string): string {
  const lang = /[?&]lang\.([a-z]+)(?:&|$)/i.exec(queryOf(id));
  return lang ? lang[1]!.toLowerCase() : extensionOf(stripQuery(id));
}

function extensionOf(file: string): string {
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  const dot = file.lastIndexOf(".");
  return dot > slash ? file.slice(dot + 1).toLowerCase() : "";
}

// TypeScript projects use the legacy decorators (Nest, Angular, TypeORM);
// without the plugin such files would not parse at all.
const TS: ParserPlugin[] = ["typescript", "decorators-legacy"];

interface Language {
  plugins: ParserPlugin[];
  sourceType: NonNullable<ParserOptions["sourceType"]>;
  /** The module format, or "detect" for `.js`-style files that may be either. */
  format: ModuleFormat | "detect";
}

function languageOf(ext: string): Language {
  switch (ext) {
    case "ts":
    case "mts":
      return { plugins: TS, sourceType: "module", format: "esm" };
    case "tsx":
      return { plugins: [...TS, "jsx"], sourceType: "module", format: "esm" };
    case "cts":
      // CommonJS, but TypeScript writes it with `import x = require()` and
      // `export`, which it compiles to require/exports.
      return { plugins: TS, sourceType: "unambiguous", format: "cjs" };
    case "mjs":
      return { plugins: [], sourceType: "module", format: "esm" };
    case "cjs":
      return { plugins: [], sourceType: "commonjs", format: "cjs" };
    default:
      // .js, .jsx and anything else: a .js file may be ESM or CommonJS,
      // so let Babel decide from import/export (and top-level await).
      return { plugins: ["jsx"], sourceType: "unambiguous", format: "detect" };
  }
}

/**
 * Parses by extension (of the id without its query). Parentheses are not kept
 * as nodes, so `(a)` and `a` give the same tree.
 */
export function parseFile(code: string, id: string, errors: ErrorReporter): ParsedFile {
  const language = languageOf(languageExtension(id));
  let ast: t.File;
  try {
    ast = parse(code, {
      sourceType: language.sourceType,
      plugins: language.plugins,
      allowAwaitOutsideFunction: language.format === "detect" ? true : undefined,
      createParenthesizedExpressions: false,
      errorRecovery: false,
    });
  } catch (cause) {
    throw parseError(cause, errors);
  }
  return { ast, format: formatOf(ast, language) };
}

function formatOf(ast: t.File, language: Language): ModuleFormat {
  if (language.format !== "detect") return language.format;
  if (ast.program.sourceType === "module") return "esm";
  // A .js file without import/export: CommonJS when it uses require/module/exports.
  return usesCommonJs(ast.program.body) ? "cjs" : "esm";
}

const SKIPPED_KEYS = new Set(["loc", "extra", "leadingComments", "trailingComments", "innerComments"]);

function usesCommonJs(node: unknown): boolean {
  if (!node || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some(usesCommonJs);
  const n = node as t.Node;
  if (n.type === "CallExpression" && n.callee.type === "Identifier" && n.callee.name === "require") return true;
  if (n.type === "MemberExpression" && n.object.type === "Identifier") {
    const object = n.object.name;
    if (object === "exports") return true;
    if (object === "module" && n.property.type === "Identifier" && n.property.name === "exports") return true;
  }
  for (const [key, value] of Object.entries(n)) {
    if (!SKIPPED_KEYS.has(key) && usesCommonJs(value)) return true;
  }
  return false;
}

interface BabelSyntaxError {
  message: string;
  loc?: { line: number; column: number };
}

function parseError(cause: unknown, errors: ErrorReporter): Error {
  const error = cause as BabelSyntaxError;
  if (!error || typeof error.message !== "string" || !error.loc) return cause as Error;
  // Babel appends "(line:column)"; our message already starts with the location.
  const reason = error.message.replace(/\s*\(\d+:\d+\)$/, "");
  return errors.error(
    "CACHEPHANT_PARSE",
    { start: error.loc },
    `cannot parse the file: ${reason}`,
    "fix the syntax error (the language is chosen by the file extension: .ts/.mts/.cts TypeScript, .tsx TypeScript with JSX, .js/.jsx JavaScript with JSX, .mjs/.cjs plain JavaScript)",
  );
}
