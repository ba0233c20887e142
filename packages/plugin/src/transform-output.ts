import type { TransformResult } from "@cachephant/core";
import type { BuiltFunction } from "@cachephant/runtime/project";
import type { CachedTransform } from "./build-cache.js";

/** What the plugin hands the bundler for a rewritten module. */
export interface TransformOutput {
  code: string;
  map: TransformResult["map"];
  dependencies: string[];
  stateFiles: string[];
  warnings: TransformResult["warnings"];
  /** The cached functions, as the CLI's record of the latest build lists them. */
  functions: BuiltFunction[];
}

/** A remembered transform with code, as the bundler gets it. */
export function outputOfCached(hit: CachedTransform & { code: string }): TransformOutput {
  const { code, map, dependencies, stateFiles, warnings, functions } = hit;
  return { code, map: map as TransformResult["map"], dependencies, stateFiles, warnings, functions };
}

/** The core's result as the bundler gets it: each function with only what the CLI's record lists. */
export function outputOfResult(result: TransformResult): TransformOutput {
  const { code, map, dependencies, stateFiles, warnings } = result;
  const functions = result.functions.map(({ name, line, hash, deps, scope, state, explain }): BuiltFunction => {
    return { name, line, hash, deps, scope, state, explain };
  });
  return { code, map, dependencies, stateFiles, warnings, functions };
}
