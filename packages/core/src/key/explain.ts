/**
 * What a cached function's key covers, as a person reads it (`cachephant
 * explain`): what it reaches as a tree with `file:line`, and where the
 * outside variables it reads by value are declared. Built from the same
 * graph nodes as `deps` (`reach.ts`), so the tree names exactly what the
 * hash covers.
 */
import type { Binding } from "../syntax/index.js";
import type { GraphNode } from "./graph-node.js";

/** One thing a cached function reaches, with what it reaches in turn. */
export interface ReachedNode {
  /** As `deps` labels it: `helper f (src/h.ts)`, `package lodash`, `variable RATE (src/a.ts)`. */
  label: string;
  /** As `deps` shows it: a short own hash, a package's version, `builtin`. */
  hash: string;
  /** Where a declaration is: relative to the root, 1-based line. */
  file?: string;
  line?: number;
  /** What it reaches (absent when nothing, or when it is shown earlier in the tree: `repeated`). */
  reaches?: ReachedNode[];
  /** Shown in full earlier in the tree (a helper two others call, or a cycle). */
  repeated?: true;
}

/** At most this many nodes in one function's tree (a larger tree ends with a `… more` node). */
export const MAX_TREE = 500;

/**
 * The tree of what a function reaches from its direct edges. Nodes `deps`
 * does not list (parameters, the function itself when it calls itself, a
 * choice between candidates) are passed through: their children hang under
 * their parent. Each labelled node is shown in full once.
 */
export function treeOf(
  starts: readonly string[],
  nodeOf: (key: string) => GraphNode | undefined,
  self: string | undefined,
): ReachedNode[] {
  const shown = new Set<string>();
  const passed = new Set<string>();
  let count = 0;
  let left = 0;
  const childrenOf = (keys: readonly string[]): ReachedNode[] => {
    const out: ReachedNode[] = [];
    for (const key of new Set(keys)) {
      const node = nodeOf(key);
      if (node === undefined) continue;
      if (node.label === undefined || key === self) {
        if (passed.has(key)) continue;
        passed.add(key);
        out.push(...childrenOf(node.edges.map(([, target]) => target)));
        continue;
      }
      if (count >= MAX_TREE) {
        if (!shown.has(key)) left++;
        shown.add(key);
        continue;
      }
      count++;
      const item: ReachedNode = { label: node.label, hash: node.shown, ...(node.where ?? {}) };
      if (shown.has(key)) {
        item.repeated = true;
      } else {
        shown.add(key);
        const reaches = childrenOf(node.edges.map(([, target]) => target));
        if (reaches.length > 0) item.reaches = reaches;
      }
      out.push(item);
    }
    // The same thing reached twice from one place (two imports of one package) shows once.
    const unique = new Map<string, ReachedNode>();
    for (const item of out)
      if (!unique.has(item.label) || unique.get(item.label)!.repeated) unique.set(item.label, item);
    return [...unique.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  };
  const tree = childrenOf(starts);
  if (left > 0) tree.push({ label: `… ${left} more`, hash: "" });
  return tree;
}

/** Where an outside variable read by value is declared (file relative to the root, 1-based line). */
export interface VariableSite {
  name: string;
  file?: string;
  line?: number;
}

/**
 * Where each outside variable in `names` is declared: the declaration its
 * edge leads to, or, for a variable of an enclosing function, its binding in
 * the module being transformed.
 */
export function variableSites(
  names: readonly string[],
  edges: ReadonlyArray<{ name: string; key: string; binding?: Binding | undefined }>,
  closures: ReadonlyArray<{ name: string; binding: Binding }>,
  nodeOf: (key: string) => GraphNode | undefined,
  entryFile: string,
): VariableSite[] {
  return names.map((name) => {
    const base = name.split(".")[0]!;
    const edge =
      edges.find((candidate) => candidate.name === name) ?? edges.find((candidate) => candidate.name === base);
    const where = edge === undefined ? undefined : nodeOf(edge.key)?.where;
    if (where !== undefined) return { name, ...where };
    const binding = edge?.binding ?? closures.find((closure) => closure.name === base)?.binding;
    const line = binding?.identifier.loc?.start.line;
    return line === undefined ? { name } : { name, file: entryFile, line };
  });
}

/** The declaring node of each changing binding, by `file\0name` (absolute file): built once per transform. */
export function stateDeclarations(nodes: Iterable<GraphNode | undefined>): Map<string, GraphNode> {
  const declaredBy = new Map<string, GraphNode>();
  for (const node of nodes) {
    for (const declared of node?.state ?? []) {
      const key = `${declared.file}\0${declared.name}`;
      if (!declaredBy.has(key)) declaredBy.set(key, node!);
    }
  }
  return declaredBy;
}

/** Where each changing binding is declared (`state` relative to the root, `absolute` as the graph has it). */
export function stateSites(
  state: ReadonlyArray<[string, string]>,
  absolute: ReadonlyArray<{ file: string; name: string }>,
  declarations: () => ReadonlyMap<string, GraphNode>,
): VariableSite[] {
  if (state.length === 0) return [];
  const declaredBy = declarations();
  return state.map(([file, name], index) => {
    const binding = absolute[index]!;
    const where = declaredBy.get(`${binding.file}\0${binding.name}`)?.where;
    return where !== undefined ? { name, file, line: where.line } : { name, file };
  });
}
