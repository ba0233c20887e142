/**
 * What a module-level declaration counts by besides its own text (for the
 * graph walk, \`graph-walk.ts\`): the code that runs at load and touches its
 * bindings, and which of them change after load (module state, keyed by
 * value at call time), within its module or through another module of the
 * project.
 */
import * as t from "@babel/types";
import { exportTable, type ModuleRecord } from "../modules/index.js";
import { moduleState, unchangingAfterLoad } from "../state/index.js";
import { shortHash } from "../syntax/index.js";
import { declarationInfo, type GraphNode } from "./graph-node.js";
import type { NameLookup } from "./lookup.js";
import type { GraphState } from "./module-graph.js";
import type { Edge } from "./targets.js";

/** What the walk lends: the build's graph, and the lookup that turns code into edges. */
export interface StateContext {
  graph: GraphState;
  lookup: NameLookup;
}

/**
 * Code that runs at load and touches the declaration's bindings counts as
 * its code (own hash and edges); bindings that change after load are
 * listed as state, read by value at call time. Returns the own hash.
 */
export async function addModuleState(
  context: StateContext,
  node: GraphNode,
  record: ModuleRecord,
  declaration: t.Node,
  edges: Edge[],
  globals: Set<string>,
): Promise<string> {
  const state = moduleState(record);
  const scopes = record.scopes!;
  let names = Object.keys(t.getBindingIdentifiers(declaration));
  // `export default { … }`: registered as `default` (see `anonymousDefaultData`).
  if (
    names.length === 0 &&
    scopes.parentOf(declaration)?.type === "ExportDefaultDeclaration" &&
    state.exported.includes("default")
  )
    names = ["default"];
  const statements = [...new Set(names.flatMap((name) => state.loadTime.get(name) ?? []))].sort(
    (a, b) => a.start! - b.start!,
  );
  let own = node.own;
  if (statements.length > 0) {
    const parts = statements.map((statement) => declarationInfo(record, statement, scopes));
    own = shortHash(`${own}\nat load\n${parts.map((part) => part.own).join("\n")}`);
    for (const part of parts)
      edges.push(...(await context.lookup.edgesOf(record, scopes.program, part.code, node.files, globals)));
  }
  const outside = await mutatedOutside(
    context.graph,
    record,
    names.filter((name) => state.exported.includes(name)),
    state.exportedCode,
  );
  if (outside.names.length > 0) node.outside = outside.names;
  node.state = names
    .filter((name) => state.changing.includes(name) || state.inputs.includes(name) || outside.mutated.has(name))
    .map((name) => {
      // State to the state analysis (which follows no alias, `for…of`), proven never to change by a closer look.
      const binding = scopes.program.getBinding(name);
      // Fixed after load (made from a run-time input): a cached function reading it itself keys it as scope already,
      // and its value is another only in another process: keyed once per process, as proven-unchanging data is.
      const input = state.inputs.includes(name) && !outside.mutated.has(name);
      const unchanging = binding !== undefined && (input || unchangingAfterLoad(binding));
      return {
        file: record.path,
        name,
        reads: state.reads.get(name) ?? [],
        ...(unchanging ? { unchanging } : {}),
        ...(input ? { input } : {}),
      };
    });
  const ranges = [declaration, ...statements];
  node.spans = { file: record.path, ranges: ranges.map((range): [number, number] => [range.start!, range.end!]) };
  node.unknowable = state.unknowable
    .filter(
      (found) =>
        found.global === undefined && ranges.some((range) => found.start >= range.start! && found.start < range.end!),
    )
    .map((found) => ({ ...found, file: record.path }));
  node.globalWrites = state.unknowable
    .filter((found) => found.global !== undefined)
    .map((found) => ({ ...found, file: record.path }));
  return own;
}

/**
 * Which of a module's exported bindings (data, and the functions and classes in `code`) another module mutates (all
 * of them without a view of the project), and the names searched for that.
 */
async function mutatedOutside(
  graph: GraphState,
  record: ModuleRecord,
  exported: readonly string[],
  code: ReadonlySet<string>,
): Promise<{ mutated: Set<string>; names: string[] }> {
  if (exported.length === 0) return { mutated: new Set(), names: [] };
  // Without a view of the project: data counts as mutated; functions and classes by their code
  // (a transform alone cannot search the importers; the plugin's builds can).
  if (!graph.project) return { mutated: new Set(exported.filter((name) => !code.has(name))), names: [] };
  const mutated = new Set<string>();
  const names = new Set<string>();
  const table = exportTable(record);
  for (const local of exported) {
    const exportedAs =
      local === "default" && table.named.get("default")?.kind === "node"
        ? ["default"]
        : [...table.named].filter(([, entry]) => entry.kind === "local" && entry.name === local).map(([name]) => name);
    const check = await graph.project.check(graph, record, local, exportedAs, code.has(local));
    if (check.mutated) mutated.add(local);
    for (const name of check.names) names.add(name);
  }
  return { mutated, names: [...names] };
}
