/**
 * Which files a build must rewrite, known before the bundler loads any
 * module: the files with a `"use cache"` directive, and the modules whose
 * changing bindings their cached functions read (each gets a registration
 * that hands the runtime those bindings' current values). Bundlers load
 * modules in parallel, so a state module can be loaded before the module
 * whose analysis finds it: this scan runs at build start.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type CachephantWarning, isCachephantError, isSystemError } from "../diagnostics/index.js";
import { createModuleGraph, type ModuleGraph } from "../key/index.js";
import type { Resolver } from "../modules/index.js";
import { transform, type TransformOptions, type TransformResult } from "../rewrite/index.js";

export interface BuildPlanOptions {
  /** The project root: where the transforms place files in their metadata. */
  root: string;
  /** Which files the build looks at (the plugin's include/exclude); default every JS/TS file. */
  include?: (file: string) => boolean;
  resolve?: Resolver;
  /** The build's module graph: what the scan parses is reused by the transforms. */
  graph?: ModuleGraph;
  /**
   * The project's code files (absolute paths): the plugin's scan of the
   * project (`rewrite-set.ts`), the one place the project is walked.
   */
  files: Iterable<string>;
  /** Options for the transforms, as the build will pass them (so their results can be reused). */
  transform?: Pick<TransformOptions, "runtimeModule" | "dir" | "maxSize">;
  /** Each directive file's transform, as it happened (null: nothing to rewrite); not called for a file that fails. */
  onTransform?: (file: string, code: string, result: TransformResult | null) => void;
}

export interface BuildPlan {
  /** Absolute paths of the files whose text contains `use cache`. */
  directiveFiles: Set<string>;
  /** Absolute paths of the modules whose changing bindings cached functions read. */
  stateFiles: Set<string>;
  /** Every file the build must pass to `transform`: directive files and state files. */
  files: Set<string>;
  /** What the build cannot know, once per construct and function. */
  warnings: CachephantWarning[];
  /** The transforms' `outsideNames`: a project file that starts naming one may change the plan. */
  outsideNames: Set<string>;
}

/** Analyzes the directive files among `files` (errors are left to the real transform). */
export async function planBuild(options: BuildPlanOptions): Promise<BuildPlan> {
  const root = path.resolve(options.root);
  const files = [...options.files];
  // The files are the project whose modules may mutate each other's exports.
  const graph = options.graph ?? createModuleGraph({ projectFiles: () => files });
  const plan: BuildPlan = {
    directiveFiles: new Set(),
    stateFiles: new Set(),
    files: new Set(),
    warnings: [],
    outsideNames: new Set(),
  };
  for (const file of files) {
    if (options.include && !options.include(file)) continue;
    let code: string;
    try {
      code = readFileSync(file, "utf8");
    } catch (error) {
      if (!isSystemError(error)) throw error;
      continue;
    }
    if (!code.includes("use cache")) continue;
    plan.directiveFiles.add(file);
    try {
      const result = await transform(code, file, { ...options.transform, root, resolve: options.resolve, graph });
      options.onTransform?.(file, code, result);
      for (const stateFile of result?.stateFiles ?? []) plan.stateFiles.add(stateFile);
      for (const name of result?.outsideNames ?? []) plan.outsideNames.add(name);
      plan.warnings.push(...(result?.warnings ?? []));
    } catch (error) {
      // A build error: the bundler's own transform of the file reports it.
      if (!isCachephantError(error)) throw error;
    }
  }
  for (const file of [...plan.directiveFiles, ...plan.stateFiles]) plan.files.add(file);
  return plan;
}
