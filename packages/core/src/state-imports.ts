/**
 * How a cached function's module hands the runtime the state it reads from
 * other modules. An exported binding is read through an import of the
 * reading module's own (`import { config as __cachephant_state_import } from "./config.ts"`):
 * an ES module import is a live binding, so the getter sees every later
 * assignment and mutation, and the module that declares the binding needs
 * no rewrite of its own. Only a binding the module keeps to itself (`let
 * mode` changed by an exported `setMode()`), or one read from CommonJS,
 * needs its declaring module rewritten with a registration (`stateFiles`).
 *
 * The import adds no module to the program and changes no evaluation order:
 * the declaring module is reached through the reading module's static
 * imports already (that is how the analysis found it), so it has run before
 * the reading module's body.
 */
import path from "node:path";
import { exportTable, type GraphState, type ModuleRecord, type StateBinding } from "./graph.js";
import type { ModuleFormat } from "./parse.js";
import { isInNodeModules } from "./resolve.js";

/** A binding of another module the reading module registers through an import. */
export interface StateImport {
  /** The declaring module, relative to the root (as `meta.state` names it). */
  file: string;
  /** The binding's name in the declaring module. */
  name: string;
  /** The name it is exported under. */
  exported: string;
  /** Relative specifier from the reading module to the declaring one (`./config.ts`). */
  specifier: string;
}

export interface StateRegistrations {
  /** Bindings registered through imports of the reading module. */
  imports: StateImport[];
  /** Absolute paths of declaring modules that must register their bindings themselves. */
  stateFiles: string[];
}

/**
 * Splits the state other modules declare (`reader.key`: the reader's own
 * key in the graph; `reader.file`: its path) into what the reading module
 * imports and what needs a rewrite of the declaring module.
 */
export async function stateRegistrations(
  bindings: Iterable<StateBinding>,
  reader: { key: string; file: string; format: ModuleFormat },
  graph: GraphState,
  relativeToRoot: (file: string) => string,
): Promise<StateRegistrations> {
  const imports = new Map<string, StateImport>();
  const stateFiles = new Set<string>();
  for (const binding of bindings) {
    if (binding.file === reader.key) continue;
    const key = `${binding.file}\0${binding.name}`;
    if (imports.has(key)) continue;
    const exported = reader.format === "esm" && !isInNodeModules(binding.file) ? liveExportName(await graph.load(binding.file, false), binding.name) : undefined;
    if (exported === undefined) {
      stateFiles.add(binding.file);
      continue;
    }
    imports.set(key, { file: relativeToRoot(binding.file), name: binding.name, exported, specifier: relativeSpecifier(reader.file, binding.file) });
  }
  return { imports: [...imports.values()], stateFiles: [...stateFiles].sort() };
}

/**
 * The name a module exports its binding `local` under as a live binding
 * (`export let x`, `export { x as y }`), or undefined. `export default x`
 * exports the value at that moment, not the binding: not counted.
 */
function liveExportName(record: ModuleRecord | null, local: string): string | undefined {
  if (record?.kind !== "module") return undefined;
  for (const [exported, entry] of exportTable(record).named) {
    if (entry.kind === "local" && entry.name === local && exported !== "default") return exported;
  }
  return undefined;
}

/** `./config.ts`, `../lib/state.js`: from the importer's folder, with `/`. */
function relativeSpecifier(importer: string, file: string): string {
  const relative = path.relative(path.dirname(importer), file).split(path.sep).join("/");
  return relative.startsWith("../") ? relative : `./${relative}`;
}
