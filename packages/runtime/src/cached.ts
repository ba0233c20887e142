/**
 * `cached(fn, options?)`: the directive without a build step, for code no
 * bundler or `--import` hook sees (a notebook, a REPL, `deno run`, Bun). The
 * function is wrapped instead of rewritten; its key follows the build step's
 * rules from its source text: the same normalization and hash (from
 * `@cachephant/core/standalone`, imported in the background when a function
 * is first wrapped, awaited by its first call), resolved
 * arguments, the helpers named in `uses`, and the directive's options. Calls
 * go through `runCached`, like rewritten functions.
 */
import { readFileSync } from "node:fs";
import { CachedFunctionError } from "./cached-error.js";
import { IS_BUN } from "./engine.js";
import type { CachedFunctionMeta } from "./meta.js";
import { importOptional } from "./optional-package.js";
import { runCached } from "./call/index.js";
import { parseDuration } from "./units.js";
import { type CachedOptions, checkOptions, describe } from "./cached-options.js";
import { type AnyClass, registerClassBySource } from "./classes.js";
import { label, warnOnce } from "./warn.js";
import { isCachephantError, isSystemError } from "@cachephant/core/scan";

type AsyncFunction = (...args: never[]) => Promise<unknown>;

/** What a wrapper knows about the function it wraps. */
interface Wrapped {
  readonly fn: AsyncFunction;
  readonly source: string;
  readonly name: string;
  readonly file: string;
  /** The absolute path of that file, when the stack names one. */
  readonly path: string | undefined;
  readonly line: number;
  readonly uses: ReadonlyArray<(...args: never[]) => unknown>;
  /** The classes of `classes`, registered for the codec; their code counts in the key. */
  readonly classes: readonly AnyClass[];
  readonly ignore: readonly string[] | undefined;
  readonly ttl: number | undefined;
  readonly inputs: false | undefined;
  /** The analysis, once the first call asked for it. */
  analysis?: Promise<Analysis>;
  /** The wrap-time check of the names it reads from outside (see `warnFreeNames`); never rejects. */
  freeNames?: Promise<void>;
}

interface Analysis {
  readonly meta: CachedFunctionMeta;
  readonly resolve: (args: readonly unknown[]) => unknown[];
}

type Standalone = typeof import("@cachephant/core/standalone");

const wrappers = new WeakMap<object, Wrapped>();
let standalone: Promise<Standalone> | undefined;

/**
 * Wraps an async function so that its calls are cached like a `"use cache"`
 * function's. Returns a function with the same name, parameters and `length`.
 * @throws CachedFunctionError when `fn` is not an async function whose source
 *   can be read (a bound or native function), or an option is bad.
 */
export function cached<F extends AsyncFunction>(fn: F, options: CachedOptions = {}): F {
  const at = callerLocation();
  if (typeof fn !== "function") {
    throw new CachedFunctionError(
      "CACHEPHANT_NOT_A_FUNCTION",
      `cached() needs an async function, got ${describe(fn)}`,
      "pass the function itself: cached(async function load(path) { ... })",
    );
  }
  const inner = wrappers.get(fn);
  const original = inner ? inner.fn : fn;
  const source = inner ? inner.source : readSource(fn, "cached()");
  const kind = Object.prototype.toString.call(original);
  if (kind !== "[object AsyncFunction]") {
    throw new CachedFunctionError(
      "CACHEPHANT_NOT_ASYNC",
      `cached() needs an async function, but ${fn.name || "the function"} is ${kind === "[object AsyncGeneratorFunction]" ? "an async generator" : "not async"}`,
      "make it an async function that returns its result: a cached call reads from disk, so it returns a promise",
    );
  }
  checkOptions(options);
  const name = options.name ?? (original.name || "anonymous");
  const wrapped: Wrapped = {
    fn: original,
    source,
    name,
    file: at.file,
    path: at.path,
    line: at.line,
    uses: [...(options.uses ?? [])].map((helper, index) => checkHelper(helper, index)),
    ignore: typeof options.ignore === "string" ? options.ignore.split(",").map((part) => part.trim()) : options.ignore,
    ttl: typeof options.ttl === "string" ? parseDuration(options.ttl) : options.ttl,
    inputs: options.inputs === false ? false : undefined,
    classes: [...(options.classes ?? [])] as AnyClass[],
  };
  // Registered now: a hit (decoded before the function runs) gives its instances back as these classes.
  for (const cls of wrapped.classes) registerClassBySource(cls);

  const wrapper = async function (...args: unknown[]): Promise<unknown> {
    const { meta, resolve } = await analysisOf(wrapped);
    let values: unknown[];
    try {
      values = resolve(args);
    } catch {
      // catch-all: the parameter list itself throws (`({ a }) => …` called with null): the function throws the same.
      return original(...(args as never[]));
    }
    return runCached(meta, values, () => original(...(args as never[])));
  };
  Object.defineProperty(wrapper, "name", { value: name });
  Object.defineProperty(wrapper, "length", { value: original.length });
  // The wrapper reads as the function it wraps (signature tooltips, `uses`).
  Object.defineProperty(wrapper, "toString", { value: () => source, writable: true, configurable: true });
  wrappers.set(wrapper, wrapped);
  // Loads the normalizer in the background (the first call awaits it anyway) and warns about outside names.
  wrapped.freeNames = loadStandalone()
    .then((core) => warnFreeNames(core, wrapped))
    .catch(() => {});
  return wrapper as unknown as F;
}

function loadStandalone(): Promise<Standalone> {
  return (standalone ??= importOptional<Standalone>("@cachephant/core", "@cachephant/core/standalone", "cached()"));
}

/**
 * One warning per name the function reads from outside its body that is
 * neither a known global nor a helper in `uses`: no build step sees what it
 * is, so the key does not cover it (a changed value would return the old
 * result).
 */
function warnFreeNames(core: Standalone, wrapped: Wrapped): void {
  let free: string[];
  try {
    free = core.freeNamesOfSource(wrapped.source).free;
  } catch (error) {
    if (!isCachephantError(error)) throw error;
    return; // the first call reports a source that does not parse
  }
  const covered = new Set(wrapped.uses.map((helper) => wrappers.get(helper)?.name ?? helper.name));
  for (const cls of wrapped.classes) covered.add(cls.name);
  const who = label({ name: wrapped.name, file: wrapped.file, line: wrapped.line } as CachedFunctionMeta);
  for (const name of free) {
    if (core.KNOWN_GLOBALS.has(name) || covered.has(name)) continue;
    warnOnce(
      `free:${who}:${name}`,
      `${who} reads \`${name}\` from outside its body, which its key does not cover (a new value would return an old result): pass it as an argument or add it to uses`,
    );
  }
}

/** The analysis of a wrapped function, computed once, on its first call. */
function analysisOf(wrapped: Wrapped): Promise<Analysis> {
  wrapped.analysis ??= analyze(wrapped);
  return wrapped.analysis;
}

async function analyze(wrapped: Wrapped): Promise<Analysis> {
  await wrapped.freeNames;
  const core = await loadStandalone();
  checkBunKeptDirective(core, wrapped);
  const uses = new Map<string, string>();
  // A helper that may read past a typed array's view makes this function's views key whole too (`meta.viewBuffers`).
  let helpersReadViews = false;
  for (const [index, helper] of wrapped.uses.entries()) {
    const label = uses.has(helper.name) || !helper.name ? `${helper.name || "anonymous"}#${index}` : helper.name;
    const inner = wrappers.get(helper);
    if (inner) {
      const { meta } = await analysisOf(inner);
      uses.set(label, meta.hash);
      helpersReadViews ||= meta.viewBuffers === true;
    } else {
      const facts = core.helperFacts(helper.toString(), wrapped.file);
      uses.set(label, facts.hash);
      helpersReadViews ||= facts.viewLayout;
    }
  }
  // An edited class recomputes: its instances' data and methods are what the results hold.
  for (const [index, cls] of wrapped.classes.entries()) {
    const facts = core.helperFacts(cls.toString(), wrapped.file);
    uses.set(`class ${cls.name || "anonymous"}#${index}`, facts.hash);
    helpersReadViews ||= facts.viewLayout;
  }
  const options = {
    name: wrapped.name,
    file: wrapped.file,
    ignore: wrapped.ignore,
    ttl: wrapped.ttl,
    inputs: wrapped.inputs,
    uses,
  };
  let found: ReturnType<Standalone["analyzeFunctionSource"]>;
  try {
    found = core.analyzeFunctionSource(wrapped.source, options);
  } catch (error) {
    const origin = error instanceof core.CachephantBuildError ? sourceOrigin(wrapped) : undefined;
    if (origin === undefined) throw error;
    // Again, with the error located in the user's file rather than in the function's own text.
    found = core.analyzeFunctionSource(wrapped.source, { ...options, origin });
  }
  const meta: CachedFunctionMeta = {
    hash: found.hash,
    name: wrapped.name,
    file: wrapped.file,
    line: wrapped.line,
    paths: found.paths,
    deps: JSON.stringify(found.deps),
    ...(found.ignore.length > 0 ? { ignore: found.ignore } : {}),
    ...(found.ttl !== undefined ? { ttl: found.ttl } : {}),
    ...(found.inputsOff ? { inputs: false as const } : {}),
    ...(found.viewBuffers || helpersReadViews ? { viewBuffers: true } : {}),
  };
  return { meta, resolve: found.resolve };
}

/**
 * Where the function's source text starts in the file that called
 * `cached()`: found in the file when it is there verbatim, else the line of
 * the `cached()` call. Only read for an error.
 */
function sourceOrigin(wrapped: Wrapped): { line: number; column: number } | undefined {
  if (wrapped.line === 0) return undefined;
  let text: string | undefined;
  try {
    text = wrapped.path === undefined ? undefined : readFileSync(wrapped.path, "utf8");
  } catch (error) {
    if (!isSystemError(error)) throw error;
    text = undefined;
  }
  const at = text === undefined ? -1 : text.indexOf(wrapped.source);
  if (text === undefined || at === -1) return { line: wrapped.line, column: 0 };
  const before = text.slice(0, at);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: at - lineStart };
}

/** The function's source text; a bound or native function has none to key on. */
function readSource(fn: (...args: never[]) => unknown, where: string): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    const bound = fn.name.startsWith("bound ");
    throw new CachedFunctionError(
      "CACHEPHANT_NO_SOURCE",
      `${where}: the source of ${fn.name ? `\`${fn.name}\`` : "the function"} cannot be read (${bound ? "a bound function" : "a native function"}), and the key is made of its code`,
      bound
        ? "pass the function itself, not fn.bind(...): pass what it is bound to as an argument"
        : "wrap a function written in JavaScript or TypeScript",
    );
  }
  return source;
}

function checkHelper(helper: unknown, index: number): (...args: never[]) => unknown {
  if (typeof helper !== "function") {
    throw new CachedFunctionError(
      "CACHEPHANT_BAD_OPTION",
      `cached(): \`uses[${index}]\` is ${describe(helper)}, not a function or class`,
      "list the helper functions the function calls; pass data as arguments instead",
    );
  }
  const fn = helper as (...args: never[]) => unknown;
  if (!wrappers.has(fn)) readSource(fn, `cached(): \`uses[${index}]\``);
  return fn;
}

/**
 * Bun's transpiler drops directives from the functions it loads, so
 * `toString()` no longer shows a `"use cache: ttl=1h"` written in the file,
 * and its options would be silently lost (a result kept past its ttl). Under
 * Bun, when the source shows none, the file where `cached()` was called is
 * checked for `cached()` calls whose function starts with the directive.
 */
function checkBunKeptDirective(core: Standalone, wrapped: Wrapped): void {
  if (!IS_BUN || wrapped.path === undefined || wrapped.source.includes("use cache")) return;
  let text: string;
  try {
    text = readFileSync(wrapped.path, "utf8");
  } catch (error) {
    if (!isSystemError(error)) throw error;
    return;
  }
  const lines = core.cachedCallsWithDirective(text, wrapped.path);
  if (lines.length === 0) return;
  throw new CachedFunctionError(
    "CACHEPHANT_BAD_OPTION",
    `cached() in ${wrapped.path}:${lines[0]}: Bun removes directives from the functions it loads, so the "use cache" directive of a wrapped function and its options cannot be read`,
    'move the options into the second argument: cached(fn, { ttl: "1h", ignore: ["signal"] }), or preload @cachephant/plugin/bun and use the directive without cached()',
  );
}

/** Where `cached()` was called: the file (relative to the working directory when inside it), its path, and line. */
function callerLocation(): { file: string; path: string | undefined; line: number } {
  const holder: { stack?: string } = {};
  Error.captureStackTrace?.(holder, cached);
  const frame = holder.stack?.split("\n").find((line) => /^\s*at /.test(line)) ?? "";
  const match = /\(?((?:[a-z]+:\/\/\/?)?[^()]*?):(\d+):\d+\)?\s*$/i.exec(frame.replace(/^\s*at (?:async )?/, ""));
  if (!match) return { file: "<cached>", path: undefined, line: 0 };
  let path = match[1]!.replace(/^.*\(/, "");
  if (path.startsWith("file://")) path = decodeURIComponent(new URL(path).pathname);
  const cwd = process.cwd();
  const file = path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
  return { file, path: path.startsWith("/") ? path : undefined, line: Number(match[2]) };
}
