/**
 * What one cached function reaches in the dependency graph (see `dependencies.ts`),
 * as the rewrite reports it: the `deps` list, the changing state its calls
 * are keyed by, and what the build cannot know.
 */
import type * as t from "@babel/types";
import type { ModuleRecord } from "../modules/index.js";
import { moduleState } from "../state/index.js";
import { shortHash } from "../syntax/index.js";
import type { AnalyzedFunction } from "./function-analysis.js";
import type { GraphNode, StateBinding } from "./graph-node.js";

/** At most this many `[label, hash]` pairs in a function's `deps`. */
export const MAX_DEPS = 100;

/** How long own hashes are in `deps` (enough to tell a change, short enough to ship in every call site). */
export const SHOWN = 16;

export function reachableFrom(starts: Iterable<string>, nodeOf: (key: string) => GraphNode | undefined): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const [, target] of nodeOf(key)?.edges ?? []) if (!seen.has(target)) queue.push(target);
  }
  return seen;
}

/** `[label, hash]` pairs of what a function reaches: its own code first, the rest sorted by label, at most `MAX_DEPS`. */
export function depsOf(nodes: Iterable<GraphNode>, own: string): Array<[string, string]> {
  const byLabel = new Map<string, Set<string>>();
  for (const node of nodes) {
    if (node.label === undefined) continue;
    let shown = byLabel.get(node.label);
    if (!shown) byLabel.set(node.label, (shown = new Set()));
    shown.add(node.shown);
  }
  const pairs: Array<[string, string]> = [];
  for (const [label, shown] of byLabel) {
    // Two declarations with the same label (same name in one file): tell them apart by hash order.
    [...shown].sort().forEach((hash, index) => pairs.push([index === 0 ? label : `${label} #${index + 1}`, hash]));
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const head: Array<[string, string]> = [["own code", own.slice(0, SHOWN)]];
  if (pairs.length + 1 <= MAX_DEPS) return [...head, ...pairs];
  const kept = pairs.slice(0, MAX_DEPS - 2);
  const rest = pairs.slice(MAX_DEPS - 2);
  return [...head, ...kept, [`and ${rest.length} more`, shortHash(JSON.stringify(rest)).slice(0, SHOWN)]];
}

/**
 * Whether a declaration refers to packages and nothing of the project
 * (`const sdk = new Client({ apiKey })`, `const config = createConfig()`
 * with `Client` and `createConfig` imported from packages): its value is a
 * package's object, whose private fields (its connections, credentials,
 * caches) the runtime leaves to the package (docs/keys.md).
 */
export function madeByPackage(node: GraphNode, nodeOf: (key: string) => GraphNode | undefined): boolean {
  return node.edges.length > 0 && node.edges.every(([, key]) => nodeOf(key)?.label?.startsWith("package ") === true);
}

/**
 * The changing (or input-made) module bindings a function depends on:
 * declared by a node it reaches, and read (not only written) by the function
 * itself or by reached code. Code of another module, or code whose spans are
 * unknown, counts as reading what it refers to. Input-made data the function
 * reads itself is its scope (`scopeKeys`), so only reached code's reads make
 * it state.
 */
export function stateOf(
  nodes: readonly GraphNode[],
  rootKeys: ReadonlySet<string>,
  entryFile: string,
  fn: t.Node,
  /** The root edges the function keys as its scope (by value at call time). */
  scopeKeys: ReadonlySet<string>,
): StateBinding[] {
  const found = new Map<string, StateBinding>();
  const within = (offsets: readonly number[], ranges: ReadonlyArray<readonly [number, number]>) =>
    offsets.some((offset) => ranges.some(([start, end]) => offset >= start && offset < end));
  // Who refers to each node, built only when some node declares state (once, not per binding).
  let referrers: Map<string, GraphNode[]> | undefined;
  const referrersOf = (key: string) => {
    if (!referrers) {
      referrers = new Map();
      for (const other of nodes) {
        for (const target of new Set(other.edges.map(([, target]) => target))) {
          let list = referrers.get(target);
          if (!list) referrers.set(target, (list = []));
          list.push(other);
        }
      }
    }
    return referrers.get(key) ?? [];
  };
  let byKey: Map<string, GraphNode> | undefined;
  for (const node of nodes) {
    for (const binding of node.state) {
      // Data fixed after load that the function reads itself is keyed as its scope: state only if helpers read it.
      const own = binding.input === true && scopeKeys.has(node.key);
      const read =
        (!own && rootKeys.has(node.key)) ||
        (!own && binding.file === entryFile && within(binding.reads, [[fn.start!, fn.end!]])) ||
        referrersOf(node.key).some(
          (other) =>
            other !== node &&
            (other.spans === undefined ||
              other.spans.file !== binding.file ||
              within(binding.reads, other.spans.ranges)),
        );
      if (!read) continue;
      byKey ??= new Map(nodes.map((other) => [other.key, other]));
      const fromPackage = madeByPackage(node, (key) => byKey!.get(key));
      found.set(`${binding.file}\0${binding.name}`, {
        file: binding.file,
        name: binding.name,
        ...(fromPackage ? { package: true } : {}),
        ...(binding.unchanging === true ? { unchanging: true } : {}),
      });
    }
  }
  return [...found.keys()].sort().map((key) => found.get(key)!);
}

/**
 * What the build cannot know about a function: `eval`, `new Function` and
 * computed namespace access in its own code or in code it reaches, and
 * writes to globals that code it reaches reads (in a module it reaches).
 */
export function unknowableOf(
  nodes: readonly GraphNode[],
  fn: AnalyzedFunction,
  entry: ModuleRecord,
  ownGlobals: ReadonlySet<string>,
): Array<{ construct: string; file: string; line: number }> {
  const entryState = moduleState(entry);
  const found = new Map<string, { construct: string; file: string; line: number }>();
  const add = (item: { construct: string; file: string; line: number }) =>
    found.set(`${item.file}:${item.line}:${item.construct}`, item);
  for (const item of entryState.unknowable) {
    if (item.global === undefined && item.start >= fn.node.start! && item.start < fn.node.end!)
      add({ ...item, file: entry.path });
  }
  const read = new Set(ownGlobals);
  const writes = entryState.unknowable
    .filter((item) => item.global !== undefined)
    .map((item) => ({ ...item, file: entry.path }));
  for (const node of nodes) {
    for (const item of node.unknowable) add(item);
    for (const name of node.globals) read.add(name);
    writes.push(...node.globalWrites);
  }
  for (const write of writes) if (read.has(write.global!)) add(write);
  return [...found.values()].map(({ construct, file, line }) => ({ construct, file, line }));
}
