/**
 * The files that say where imports resolve (lockfiles, the project's
 * package.json, tsconfig files), found from the root and each reduced to a
 * digest of what it says about resolution.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { hasErrorCode } from "@cachephant/core/scan";
import { stableText } from "./stable-text.js";

/** Lockfiles of npm, pnpm, Yarn, Bun and Deno; the nearest folder at or above the root that holds one. */
export const LOCKFILES = [
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "bun.lock",
  "bun.lockb",
  "deno.lock",
];

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

/** What a file says about resolution, and the files it links to (a tsconfig's `extends` and `references`). */
export interface Digest {
  digest: string | null;
  links: string[];
}

function sha1(bytes: Buffer | string): string {
  return createHash("sha1").update(bytes).digest("hex");
}

export function bytesDigest(bytes: Buffer): Digest {
  return { digest: sha1(bytes), links: [] };
}

/** A package.json's `imports` and `exports`; its other fields change no resolution of the project's own imports. */
export function manifestDigest(bytes: Buffer): Digest {
  try {
    const json = JSON.parse(bytes.toString("utf8")) as { imports?: unknown; exports?: unknown; name?: unknown };
    return { digest: sha1(stableText({ imports: json.imports, exports: json.exports, name: json.name })), links: [] };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return bytesDigest(bytes);
  }
}

/** A tsconfig's resolution options, `files`/`include`/`exclude` (which files it applies to) and links; its bytes when it does not parse. */
export function tsconfigDigest(bytes: Buffer): Digest {
  const json = parseJsonc(bytes.toString("utf8"));
  if (json === undefined) return bytesDigest(bytes);
  const compilerOptions = (json.compilerOptions ?? {}) as Record<string, unknown>;
  const picked = Object.fromEntries(RESOLUTION_OPTIONS.map((name) => [name, compilerOptions[name]]));
  return {
    digest: sha1(
      stableText({
        compilerOptions: picked,
        extends: json.extends,
        references: json.references,
        files: json.files,
        include: json.include,
        exclude: json.exclude,
      }),
    ),
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
export function linkedTsconfig(folder: string, link: string): string | undefined {
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
  } catch (error) {
    // An `extends` through a file, a loop or a folder it may not read: no tsconfig there.
    if (!hasErrorCode(error, ["ENOTDIR", "ELOOP", "EACCES", "EPERM", "ENAMETOOLONG"])) throw error;
    return false;
  }
}

/** The lockfiles of the nearest folder at or above `root` that has one. */
export function lockfiles(root: string): string[] {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const found = LOCKFILES.map((name) => join(dir, name)).filter((file) => existsSync(file));
    if (found.length > 0) return found;
    if (dirname(dir) === dir) return [];
  }
}

export function nearestFile(root: string, name: string): string | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The nearest tsconfig.json and jsconfig.json at or above the root (esbuild and Vite read the nearest). */
export function nearestTsconfigs(root: string): string[] {
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
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}
