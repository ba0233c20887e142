import path from "node:path";
import type { SourceMap } from "magic-string";
import { analyzeFunctions } from "./analyze.js";
import { stripQuery } from "./parse.js";
import { rewrite } from "./rewrite.js";

export { CachephantBuildError, type CachephantErrorCode, type ErrorLocation } from "./errors.js";

export interface TransformOptions {
  /** Project root: the meta `file` is the id relative to it. Default: `process.cwd()`. */
  root?: string;
  /** Where the rewritten code imports `runCached` from. Default: `"@cachephant/runtime"`. */
  runtimeModule?: string;
  /** The plugin's `dir` option, copied into every meta object when given. */
  dir?: string;
  /** The plugin's `maxSize` option, copied into every meta object when given. */
  maxSize?: string | number;
}

/** One function the transform wrapped. */
export interface CachedFunctionInfo {
  /** As in the meta object: `load`, `Api.fetch`, `default`. */
  name: string;
  /** Hash of the function's normalized code. */
  hash: string;
  /** 1-based line of the function's start. */
  line: number;
  /** 0-based column of the function's start. */
  column: number;
}

export interface TransformResult {
  code: string;
  map: SourceMap;
  /** The wrapped functions, in source order. */
  functions: CachedFunctionInfo[];
}

const DEFAULT_RUNTIME = "@cachephant/runtime";

/**
 * Rewrites every `"use cache"` function of a module so that its calls go
 * through the runtime's cache. Returns null when the module has no
 * `"use cache"` directive (without parsing it when the text does not even
 * contain `use cache`). Throws `CachephantBuildError` when a directive is
 * misused, and for syntax errors.
 */
export function transform(code: string, id: string, options: TransformOptions = {}): TransformResult | null {
  if (!code.includes("use cache")) return null;
  const analysis = analyzeFunctions(code, id);
  if (!analysis) return null;
  const root = options.root ?? process.cwd();
  const file = path.relative(root, path.resolve(root, stripQuery(id))).split(path.sep).join("/");
  const { code: output, map } = rewrite(code, analysis, {
    id,
    file,
    runtimeModule: options.runtimeModule ?? DEFAULT_RUNTIME,
    dir: options.dir,
    maxSize: options.maxSize,
  });
  const functions = analysis.functions.map(({ name, hash, line, column }) => ({ name, hash, line, column }));
  return { code: output, map, functions };
}
