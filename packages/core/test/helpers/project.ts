/**
 * Multi-file projects in temporary folders, for tests of what a cached
 * function's hash covers: write files, transform an entry, edit, transform again.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  createModuleGraph,
  transform,
  type ModuleGraph,
  type TransformOptions,
  type TransformResult,
} from "../../src/index.js";

export class TempProject {
  readonly dir: string;

  constructor(files: Record<string, string> = {}, from?: string) {
    this.dir = mkdtempSync(join(tmpdir(), "cachephant-project-"));
    if (from) cpSync(from, this.dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) this.write(file, content);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  read(file: string): string {
    return readFileSync(this.path(file), "utf8");
  }

  write(file: string, content: string): void {
    mkdirSync(dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), content);
  }

  /** Replaces the first occurrence of `from` (which must be there). */
  replace(file: string, from: string, to: string): void {
    const content = this.read(file);
    if (!content.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
    this.write(file, content.replace(from, to));
  }

  /** A fake installed package: `node_modules/<name>/package.json` (+ an index.js). */
  installPackage(name: string, version: string, at = ""): void {
    this.write(join(at, "node_modules", name, "package.json"), JSON.stringify({ name, version, main: "index.js" }));
    this.write(join(at, "node_modules", name, "index.js"), "module.exports = {};\n");
  }

  /** A resolver that maps alias prefixes (`{ "@/": "src/" }`) to folders of the project, like a bundler's. */
  aliasResolver(aliases: Record<string, string>): NonNullable<TransformOptions["resolve"]> {
    return async (specifier) => {
      for (const [prefix, target] of Object.entries(aliases)) {
        if (specifier.startsWith(prefix)) {
          const base = resolve(this.dir, target, specifier.slice(prefix.length));
          for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, join(base, "index.ts")]) {
            try {
              readFileSync(candidate);
              return candidate;
            } catch (error) {
              const code = (error as NodeJS.ErrnoException).code;
              if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR") throw error;
            }
          }
        }
      }
      return null;
    };
  }

  async transform(entry: string, options: TransformOptions = {}): Promise<TransformResult> {
    const result = await transform(this.read(entry), this.path(entry), { root: this.dir, ...options });
    if (!result) throw new Error(`${entry} has no "use cache" function`);
    return result;
  }

  /** Hashes of the entry's functions by name. */
  async hashes(entry: string, options: TransformOptions = {}): Promise<Record<string, string>> {
    const result = await this.transform(entry, options);
    return Object.fromEntries(result.functions.map((fn) => [fn.name, fn.hash]));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { createModuleGraph, type ModuleGraph };
