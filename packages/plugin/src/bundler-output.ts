/**
 * What the rewritten code's `@cachephant/runtime` import becomes in each
 * bundler's output, so that the built program loads the project's own copy
 * of the runtime, in ES module and in CommonJS output alike.
 */
import { nearestPackageRoot } from "@cachephant/runtime/project";
import { readFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { RUNTIME_MODULE } from "./runtime-check.js";
import { isSystemError } from "@cachephant/core/scan";

/** The part of a webpack or Rspack compiler the plugin configures. */
interface CompilerLike {
  options: {
    externals?: unknown;
    output?: { module?: boolean };
  };
}

/**
 * webpack and Rspack take no `external` from a plugin's resolveId: the runtime
 * is added to `externals`, as `require()` in CommonJS output (their default)
 * and as `import` in ES module output.
 */
export function addRuntimeExternal(compiler: CompilerLike): void {
  const request = compiler.options.output?.module ? `module ${RUNTIME_MODULE}` : `commonjs ${RUNTIME_MODULE}`;
  const entry = { [RUNTIME_MODULE]: request };
  const existing: unknown = compiler.options.externals;
  if (existing === undefined) compiler.options.externals = [entry];
  else compiler.options.externals = [...(Array.isArray(existing) ? (existing as unknown[]) : [existing]), entry];
}

/** The esbuild options that decide what the output file is. */
interface EsbuildOutputOptions {
  format?: string | undefined;
  platform?: string | undefined;
  outfile?: string | undefined;
  outdir?: string | undefined;
  outExtension?: Record<string, string> | undefined;
  absWorkingDir?: string | undefined;
}

/**
 * CommonJS written to a `.js` file in a `"type": "module"` package cannot run:
 * Node loads it as an ES module, where `require` (of the runtime, and of any
 * package or built-in left to Node) is not defined. Returns the warning to
 * give, or undefined when the output will load as what it is.
 */
export function esbuildFormatWarning(options: EsbuildOutputOptions): string | undefined {
  const format = options.format ?? (options.platform === "node" ? "cjs" : undefined);
  if (format !== "cjs") return undefined;
  const out = options.outfile ?? options.outdir;
  if (out === undefined) return undefined;
  const extension = options.outfile !== undefined ? extname(options.outfile) : (options.outExtension?.[".js"] ?? ".js");
  if (extension !== ".js") return undefined;
  const target = resolve(options.absWorkingDir ?? process.cwd(), out);
  const root = nearestPackageRoot(options.outfile !== undefined ? dirname(target) : target);
  if (root === undefined) return undefined;
  const manifest = join(root, "package.json");
  if (packageType(manifest) !== "module") return undefined;
  const how = options.format === undefined ? 'format "cjs" (esbuild\'s default for platform "node")' : 'format "cjs"';
  return (
    `esbuild writes CommonJS (${how}) to ${out}, but ${manifest} says "type": "module", so Node will load it ` +
    `as an ES module, where require() is not defined. Set format: "esm", or name the output .cjs.`
  );
}

function packageType(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { type?: unknown }).type;
  } catch (error) {
    // No readable manifest: no "type" to contradict the output's format.
    if (!isSystemError(error) && !(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}
