/**
 * What decides where an import resolves, besides the files it resolves to:
 * the bundler's resolve settings (aliases, conditions, main fields,
 * extensions, tsconfig options), the tsconfig files (`paths`, `baseUrl`,
 * followed through `extends` and `references`), the project's `package.json`
 * `imports` (and `exports`, for imports of the package by its own name), and
 * the lockfile (what is installed). One fingerprint of them, computed once
 * per build, is part of the key of every result the build cache remembers
 * and of the plan's record: a change analyses again, since a remembered
 * result's dependency list itself may be wrong (an alias pointing elsewhere
 * leaves the old helper unchanged, so its content checks alone would hold).
 *
 * Settings count by value (functions by their source, regular expressions
 * by their text); files count by what they say about resolution (a
 * tsconfig's `compilerOptions.strict`, a `package.json`'s `scripts` change
 * nothing), lockfiles by their bytes. Each file's digest is remembered with
 * its `mtime:size`, so a build where none changed reads none.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { BuildOptions } from "esbuild";
import { signatureOf } from "./files.js";

/** Lockfiles of npm, pnpm, Yarn, Bun and Deno; the nearest folder at or above the root that holds one. */
export const LOCKFILES = ["package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb", "deno.lock"];

/** `tsconfig.json`, `tsconfig.app.json`, `jsconfig.json`: the files the project scan collects too. */
export const TSCONFIG_FILE = /^[jt]sconfig(?:\.[\w.-]+)?\.json$/;

/** The compiler options that change where an import resolves. */
const RESOLUTION_OPTIONS = [
  "baseUrl",
  "paths",
  "rootDir",
  "rootDirs",
  "moduleSuffixes",
  "customConditions",
  "moduleResolution",
  "module",
  "resolvePackageJsonExports",
  "resolvePackageJsonImports",
  "allowImportingTsExtensions",
  "allowJs",
];

/** The resolve settings of an esbuild build (`build.initialOptions`), and nothing else of it. */
export function esbuildResolveSettings(options: BuildOptions): Record<string, unknown> {
  const { alias, conditions, mainFields, resolveExtensions, nodePaths, tsconfig, tsconfigRaw, preserveSymlinks, platform, packages, external, absWorkingDir } =
    options;
  return {
    bundler: "esbuild",
    alias,
    conditions,
    mainFields,
    resolveExtensions,
    nodePaths,
    tsconfig: tsconfig === undefined ? undefined : resolve(absWorkingDir ?? process.cwd(), tsconfig),
    tsconfigRaw,
    preserveSymlinks,
    platform,
    packages,
    external,
  };
}

interface ViteLikeConfig {
  resolve?: unknown;
  environments?: Record<string, { resolve?: unknown }>;
  ssr?: { resolve?: unknown; noExternal?: unknown; external?: unknown };
}

/** The resolve settings of Vite's resolved config (after every plugin's `config` hook), each environment's included. */
export function viteResolveSettings(config: ViteLikeConfig): Record<string, unknown> {
  const environments = Object.entries(config.environments ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, environment]) => [name, environment?.resolve]);
  return {
    bundler: "vite",
    resolve: config.resolve,
    environments,
    ssr: config.ssr ? { resolve: config.ssr.resolve, noExternal: config.ssr.noExternal, external: config.ssr.external } : undefined,
  };
}

/** Rollup's and Rolldown's input options: Rolldown's `resolve` and `tsconfig` (Rollup's resolution lives in plugins). */
export function rollupResolveSettings(bundler: string, options: { resolve?: unknown; tsconfig?: unknown }): Record<string, unknown> {
  return { bundler, resolve: options.resolve, tsconfig: options.tsconfig };
}

/** The `resolve` options of webpack and Rspack that say where a request goes (not its caches or file system). */
const WEBPACK_RESOLVE_OPTIONS = [
  "alias",
  "aliasFields",
  "byDependency",
  "conditionNames",
  "descriptionFiles",
  "enforceExtension",
  "exportsFields",
  "extensionAlias",
  "extensions",
  "fallback",
  "fullySpecified",
  "importsFields",
  "mainFields",
  "mainFiles",
  "modules",
  "preferAbsolute",
  "preferRelative",
  "restrictions",
  "roots",
  "symlinks",
  "tsConfig",
];

/**
 * webpack's and Rspack's `resolve` options (from the compiler, defaults
 * applied): those that say where a request goes, and resolve plugins by
 * class name and `options` (their own caches fill up as a watch build runs).
 */
export function webpackResolveSettings(bundler: string, options: { resolve?: unknown }): Record<string, unknown> {
  const resolveOptions = (options.resolve ?? {}) as Record<string, unknown>;
  const picked = Object.fromEntries(WEBPACK_RESOLVE_OPTIONS.map((name) => [name, resolveOptions[name]]));
  const plugins = Array.isArray(resolveOptions.plugins)
    ? resolveOptions.plugins.map((plugin: unknown) =>
        typeof plugin === "function"
          ? plugin
          : { name: (plugin as { constructor?: { name?: string } } | null)?.constructor?.name, options: (plugin as { options?: unknown } | null)?.options },
      )
    : undefined;
  return { bundler, resolve: picked, plugins };
}

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
    if (value instanceof Map) return `Map{${[...value].map(([key, item]) => `${next(key)}:${next(item)}`).sort().join(",")}}`;
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

/** Remembered digests: by file, its `mtime:size`, the digest of what it says about resolution, and the files it links to (tsconfig). */
type DigestMemo = Record<string, [signature: string, digest: string | null, links: string[]]>;

export interface ResolutionFingerprintOptions {
  /** Reads and writes the remembered digests (a side file of the build cache). */
  read: () => unknown;
  write: (memo: DigestMemo) => void;
}

interface Digest {
  digest: string | null;
  links: string[];
}

/** The fingerprint of one build's resolution (see the top of this file), with file digests remembered across builds. */
export class ResolutionFingerprint {
  private memo: DigestMemo | undefined;

  constructor(private readonly options: ResolutionFingerprintOptions) {}

  /**
   * @param root the project root (lockfile, `package.json` and tsconfig are looked up from it)
   * @param settings the bundler's resolve settings (see the `*ResolveSettings` functions)
   * @param tsconfigs tsconfig files besides the nearest one: the project scan's, the bundler's `tsconfig` option
   */
  compute(root: string, settings: unknown, tsconfigs: Iterable<string> = []): string {
    const memo = this.loadMemo();
    let changed = false;
    const digestOf = (file: string, read: (bytes: Buffer) => Digest): Digest => {
      const signature = signatureOf(file);
      if (signature === null) return { digest: null, links: [] };
      const known = memo[file];
      if (known && known[0] === signature) return { digest: known[1], links: known[2] };
      let bytes: Buffer | null = null;
      try {
        bytes = readFileSync(file);
      } catch {
        // Unreadable (a folder...): as absent.
      }
      const found = bytes === null ? { digest: null, links: [] } : read(bytes);
      memo[file] = [signature, found.digest, found.links];
      changed = true;
      return found;
    };

    const hash = createHash("sha256").update("cachephant-resolution 1\0").update(stableText(settings)).update("\0");

    // The lockfile: what is installed.
    for (const file of lockfiles(root)) hash.update(`lockfile ${file} ${digestOf(file, bytesDigest).digest}\0`);

    // The project's package.json: `imports` (`#internal`), and `exports` for imports of itself by name.
    const manifest = nearestFile(root, "package.json");
    if (manifest) hash.update(`package ${manifest} ${digestOf(manifest, manifestDigest).digest}\0`);

    // tsconfig files, with what they extend and reference; in path order
    // (the scan lists them in the order the file system does).
    const pending = [...nearestTsconfigs(root), ...tsconfigs];
    const seen = new Map<string, string>();
    while (pending.length > 0) {
      const file = resolve(pending.pop()!);
      if (seen.has(file)) continue;
      const { digest, links } = digestOf(file, tsconfigDigest);
      let line = `tsconfig ${file} ${digest}`;
      for (const link of links) {
        const target = linkedTsconfig(dirname(file), link);
        if (target) pending.push(target);
        else line += ` missing ${link}`;
      }
      seen.set(file, line);
    }
    for (const file of [...seen.keys()].sort()) hash.update(`${seen.get(file)}\0`);

    if (changed) this.options.write(memo);
    return hash.digest("hex");
  }

  private loadMemo(): DigestMemo {
    if (this.memo) return this.memo;
    const saved = this.options.read();
    const memo: DigestMemo = {};
    if (typeof saved === "object" && saved !== null && !Array.isArray(saved)) {
      for (const [file, entry] of Object.entries(saved)) {
        if (
          Array.isArray(entry) &&
          typeof entry[0] === "string" &&
          (typeof entry[1] === "string" || entry[1] === null) &&
          Array.isArray(entry[2]) &&
          entry[2].every((link: unknown) => typeof link === "string")
        ) {
          memo[file] = [entry[0], entry[1], entry[2]];
        }
      }
    }
    return (this.memo = memo);
  }
}

function sha1(bytes: Buffer | string): string {
  return createHash("sha1").update(bytes).digest("hex");
}

function bytesDigest(bytes: Buffer): Digest {
  return { digest: sha1(bytes), links: [] };
}

/** A package.json's `imports` and `exports`; its other fields change no resolution of the project's own imports. */
function manifestDigest(bytes: Buffer): Digest {
  try {
    const json = JSON.parse(bytes.toString("utf8")) as { imports?: unknown; exports?: unknown; name?: unknown };
    return { digest: sha1(stableText({ imports: json.imports, exports: json.exports, name: json.name })), links: [] };
  } catch {
    return bytesDigest(bytes);
  }
}

/** A tsconfig's resolution options, `files`/`include`/`exclude` (which files it applies to) and links; its bytes when it does not parse. */
function tsconfigDigest(bytes: Buffer): Digest {
  const json = parseJsonc(bytes.toString("utf8"));
  if (json === undefined) return bytesDigest(bytes);
  const compilerOptions = (json.compilerOptions ?? {}) as Record<string, unknown>;
  const picked = Object.fromEntries(RESOLUTION_OPTIONS.map((name) => [name, compilerOptions[name]]));
  return {
    digest: sha1(stableText({ compilerOptions: picked, extends: json.extends, references: json.references, files: json.files, include: json.include, exclude: json.exclude })),
    links: linksOf(json),
  };
}

function linksOf(json: Record<string, unknown>): string[] {
  const links: string[] = [];
  const extended = json.extends;
  for (const item of Array.isArray(extended) ? extended : [extended]) if (typeof item === "string") links.push(item);
  if (Array.isArray(json.references)) {
    for (const reference of json.references) {
      const path = (reference as { path?: unknown } | null)?.path;
      if (typeof path === "string") links.push(path.startsWith(".") || isAbsolute(path) ? path : `./${path}`);
    }
  }
  return links;
}

/** The file an `extends` or a reference names: a path (a folder means its tsconfig.json), or a package's file. */
function linkedTsconfig(folder: string, link: string): string | undefined {
  const candidates = (base: string) => [base, `${base}.json`, join(base, "tsconfig.json")];
  if (link.startsWith(".") || isAbsolute(link)) {
    return candidates(resolve(folder, link)).find(isFile);
  }
  for (let dir = folder; ; dir = dirname(dir)) {
    const found = candidates(join(dir, "node_modules", link)).find(isFile);
    if (found) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** The lockfiles of the nearest folder at or above `root` that has one. */
function lockfiles(root: string): string[] {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const found = LOCKFILES.map((name) => join(dir, name)).filter((file) => existsSync(file));
    if (found.length > 0) return found;
    if (dirname(dir) === dir) return [];
  }
}

function nearestFile(root: string, name: string): string | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The nearest tsconfig.json and jsconfig.json at or above the root (esbuild and Vite read the nearest). */
function nearestTsconfigs(root: string): string[] {
  return ["tsconfig.json", "jsconfig.json"].flatMap((name) => nearestFile(root, name) ?? []);
}

/** JSON with comments and trailing commas, as tsconfig files are written; undefined when it does not parse to an object. */
export function parseJsonc(text: string): Record<string, unknown> | undefined {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(index, end + 1);
      index = end;
    } else if (char === "/" && text[index + 1] === "/") {
      while (index < text.length && text[index] !== "\n") index++;
      out += "\n";
    } else if (char === "/" && text[index + 1] === "*") {
      const end = text.indexOf("*/", index + 2);
      index = end < 0 ? text.length : end + 1;
      out += " ";
    } else {
      out += char;
    }
  }
  try {
    const json: unknown = JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
