/**
 * Whether data a module exports is mutated by another module of the project
 * (SPEC: state is an object "mutated anywhere"). An exported object nobody
 * mutates counts by its code, like any constant; one an importer mutates
 * (`import { config } from "./config"; config.unit = "km"`) counts by its
 * value at call time.
 *
 * Finding the importers without parsing the whole project: a module can
 * mutate an exported binding only by naming it (`import { config }`,
 * `ns.config.unit = …`, `export { config as settings }` then `settings`), or
 * by handing a whole module object somewhere (`f(ns)`, `require("./x")`,
 * `import("./x")`): then only the module that object is of (resolved Node's
 * way; one it cannot resolve counts as any) may be mutated. So each project file is read once and its words
 * indexed; only the files that name the binding (or one of its aliases), or
 * that hold a module object, are parsed and their uses of imports checked.
 * Names are compared without resolving imports: a name shared by unrelated
 * modules only makes the check more careful.
 *
 * Without a view of the project (a transform called alone, the register
 * hook), exported data counts as changing, as before.
 */
import { readFileSync } from "node:fs";
import {
  factsOfText,
  type FileFacts,
  type ModuleLoader,
  type ModuleRecord,
  resolveSpecifier,
} from "../modules/index.js";
import { isSystemError } from "../diagnostics/index.js";
import { type ImportUses, importUses } from "./import-uses.js";

/** What the outside check of one binding looked at: the names searched (for callers that remember results). */
export interface OutsideCheck {
  mutated: boolean;
  /** The binding's exported names and their aliases: a file that starts naming one of them may change the answer. */
  names: string[];
}

/** The project's files as the check looks them up: by word, renames, and files holding module objects. */
interface Lookup {
  byWord: Map<string, string[]>;
  renames: Map<string, Set<string>>;
  moduleObjects: string[];
}

/** Project-wide facts for the outside check, built on first use and dropped when a file changes. */
export class ProjectIndex {
  private readonly facts = new Map<string, FileFacts | null>();
  private readonly uses = new WeakMap<ModuleRecord, ImportUses>();
  private readonly checks = new Map<string, Promise<OutsideCheck>>();
  private lookup: Lookup | undefined;

  constructor(private readonly files: () => Iterable<string> | undefined) {}

  /**
   * Whether a module other than `record` may mutate its exported binding
   * `local`: data (`code` false) by any use other than reading it, a
   * function or class by mutating it.
   */
  check(
    graph: ModuleLoader,
    record: ModuleRecord,
    local: string,
    exportedAs: readonly string[],
    code = false,
  ): Promise<OutsideCheck> {
    const key = `${record.path}\0${local}\0${code}`;
    let found = this.checks.get(key);
    if (!found) {
      found = this.compute(graph, record, exportedAs, code);
      this.checks.set(key, found);
    }
    return found;
  }

  /** A file changed (or any, without one): forget what was read. */
  invalidate(file?: string): void {
    if (file === undefined) this.facts.clear();
    else this.facts.delete(file);
    this.checks.clear();
    this.lookup = undefined;
  }

  private async compute(
    graph: ModuleLoader,
    record: ModuleRecord,
    exportedAs: readonly string[],
    code: boolean,
  ): Promise<OutsideCheck> {
    const lookup = this.lookupNow();
    // Without a view of the project: data counts as mutated, functions and classes by their code (as in `key/dependencies.ts`).
    if (lookup === undefined) return { mutated: !code, names: [] };
    // The names, and what re-exports and imports rename them to, transitively.
    const names = new Set(exportedAs);
    const pending = [...names];
    while (pending.length > 0) {
      for (const alias of lookup.renames.get(pending.pop()!) ?? []) {
        if (!names.has(alias)) {
          names.add(alias);
          pending.push(alias);
        }
      }
    }
    const result = (mutated: boolean): OutsideCheck => ({ mutated, names: [...names].sort() });
    // `import anyName from …` names no export: such files hold the word `default` (see `modules/file-facts.ts`),
    // and their default imports are resolved to tell which module they are of.
    const candidates = new Set(lookup.moduleObjects);
    for (const name of names) for (const file of lookup.byWord.get(name) ?? []) candidates.add(file);
    candidates.delete(record.path);
    for (const file of [...candidates].sort()) {
      const importer = await graph.load(file, false);
      if (importer?.kind !== "module") return result(true);
      const uses = this.usesOf(importer);
      // A function or class changes only by a mutation through a name; a module object handed on
      // whole is like a function passed as a callback (see `module-state.ts`): not counted for code.
      const named = code ? uses.changed : uses.mutated;
      if ((uses.any && !code) || [...names].some((name) => named.has(name))) return result(true);
      const specifiers = new Set(code ? [] : uses.wholeModules);
      if (names.has("default")) {
        for (const [specifier, use] of uses.defaults) if (!code || use === "mutate") specifiers.add(specifier);
      }
      for (const specifier of specifiers) {
        // Resolved Node's way: an alias it cannot follow counts as this module.
        // Not through the graph's memo: the build's own resolver must still resolve this import its way.
        const resolution = await resolveSpecifier(specifier, file, undefined, graph.files);
        if (resolution.kind === "unresolved" || (resolution.kind === "file" && resolution.path === record.path))
          return result(true);
      }
    }
    return result(false);
  }

  /** The lookup tables over every project file's facts (undefined without a view of the project). */
  private lookupNow(): Lookup | undefined {
    if (this.lookup) return this.lookup;
    const listed = this.files();
    if (listed === undefined) return undefined;
    const lookup: Lookup = { byWord: new Map(), renames: new Map(), moduleObjects: [] };
    for (const file of listed) {
      const fact = this.factsOf(file);
      if (fact === null) continue; // unreadable now: not a module the build can load either
      if (fact.moduleObjects) lookup.moduleObjects.push(file);
      for (const word of fact.words) {
        const list = lookup.byWord.get(word);
        if (list) list.push(file);
        else lookup.byWord.set(word, [file]);
      }
      for (const [from, to] of fact.renames) {
        const alias = to.replace(/^["']|["']$/g, "");
        let set = lookup.renames.get(from);
        if (!set) lookup.renames.set(from, (set = new Set()));
        set.add(alias);
      }
    }
    this.lookup = lookup;
    return lookup;
  }

  private factsOf(file: string): FileFacts | null {
    let fact = this.facts.get(file);
    if (fact === undefined) {
      let text: string | null;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        if (!isSystemError(error)) throw error;
        text = null;
      }
      fact = text === null ? null : factsOfText(text);
      this.facts.set(file, fact);
    }
    return fact;
  }

  private usesOf(record: ModuleRecord): ImportUses {
    let uses = this.uses.get(record);
    if (!uses) {
      uses = importUses(record.scopes!);
      this.uses.set(record, uses);
    }
    return uses;
  }
}
