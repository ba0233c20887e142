/**
 * Puts together one function's explanation from what is known of it: the
 * latest build's record (`source: "build"`), or, for a function no build
 * recorded, its marker's `deps` and its entries' key parts (`"store"`);
 * then its stored results, their run-time inputs, and the reason of each of
 * its last computations.
 */
import type { BuiltFunction, ReachedNode } from "../built-functions.js";
import { recordId } from "../inputs/format.js";
import { describeKeyChange } from "../key-change.js";
import type { StoredComputation, StoredFunction } from "./store-facts.js";
import {
  EXPLAIN_FORMAT,
  type ExplainedComputation,
  type ExplainedInput,
  type ExplainedVariable,
  type FunctionExplanation,
} from "./model.js";
import { isJsonError } from "@cachephant/core/scan";

/** A `list()` row, with the per-function counts when the runtime keeps them. */
export interface RowFacts {
  entries: number;
  size: number;
  lastUsed: Date;
  superseded: number;
  hits?: number;
  misses?: number;
  savedMs?: number;
}

export interface KnownFunction {
  name: string;
  file: string;
  line: number;
  built?: BuiltFunction;
  stored?: StoredFunction;
  row?: RowFacts;
}

export function explanationOf(known: KnownFunction): FunctionExplanation {
  const { built, stored, row } = known;
  const analysis = built?.explain !== undefined ? fromBuild(built) : fromStore(stored, built);
  const computations = stored?.computations ?? [];
  return {
    format: EXPLAIN_FORMAT,
    name: known.name,
    file: known.file,
    line: known.line,
    hash: built?.hash ?? stored?.marker?.hash ?? computations[0]?.hash ?? "",
    ...analysis,
    inputs: inputsOf(computations),
    entries: {
      count: row?.entries ?? 0,
      size: row?.size ?? 0,
      ...(row !== undefined && row.entries > 0 ? { lastUsed: row.lastUsed.toISOString() } : {}),
      superseded: row?.superseded ?? 0,
    },
    hits: row?.hits ?? 0,
    misses: row?.misses ?? 0,
    savedMs: row?.savedMs ?? 0,
    computations: reasonsOf(computations),
  };
}

type Analysis = Pick<
  FunctionExplanation,
  | "source"
  | "ownCode"
  | "reaches"
  | "packages"
  | "variables"
  | "params"
  | "ignoredVariables"
  | "ttl"
  | "recordsInputs"
  | "viewBuffers"
>;

function fromBuild(built: BuiltFunction): Analysis {
  const explain = built.explain!;
  // A module binding that changes after load is in `scope` and `state` both: listed once, as state.
  const isState = (site: { name: string; file?: string }) =>
    explain.state.some((state) => state.name === site.name && state.file === site.file);
  const once = new Set(explain.keyedOnce ?? []);
  const onceMark = (keyed: string) => (once.has(keyed) ? { once: true as const } : {});
  const byValue: ExplainedVariable[] = [
    ...explain.scope
      .filter((site) => !isState(site))
      .map((site): ExplainedVariable => ({ ...site, by: "value", kind: "scope", ...onceMark(site.name) })),
    ...explain.state.map((site): ExplainedVariable => ({
      ...site,
      by: "value",
      kind: "state",
      ...onceMark(`${site.file}#${site.name}`),
    })),
  ];
  return {
    source: "build",
    ...ownCode(built.deps),
    reaches: [...explain.reaches],
    packages: packagesOf(explain.reaches),
    variables: [...byValue, ...byCode(explain.reaches, byValue)],
    params: explain.params.map((param) => ({ ...param })),
    ignoredVariables: [...explain.ignoredVariables],
    ...(explain.ttl !== undefined ? { ttl: explain.ttl } : {}),
    recordsInputs: explain.inputs,
    ...(explain.viewBuffers === true ? { viewBuffers: true as const } : {}),
  };
}

/** No build record with an analysis: what the marker's `deps` and the entries' key parts say. */
function fromStore(stored: StoredFunction | undefined, built: BuiltFunction | undefined): Analysis {
  const deps = parseDeps(stored?.marker?.deps) ?? built?.deps ?? [];
  const reaches = deps
    .filter(([label]) => label !== "own code")
    .map(([label, hash]): ReachedNode => ({ label, hash, ...fileOf(label) }));
  const parts = Object.keys(stored?.computations.find((computation) => computation.parts !== undefined)?.parts ?? {});
  const byValue: ExplainedVariable[] = [];
  const params: FunctionExplanation["params"] = [];
  for (const part of parts) {
    if (part.startsWith("scope.")) byValue.push({ name: part.slice("scope.".length), by: "value", kind: "scope" });
    else if (part.startsWith("state.")) {
      const where = part.slice("state.".length);
      const hash = where.lastIndexOf("#");
      byValue.push({
        name: where.slice(hash + 1),
        by: "value",
        kind: "state",
        ...(hash > 0 ? { file: where.slice(0, hash) } : {}),
      });
    } else params.push({ path: part, ignored: false });
  }
  return {
    source: "store",
    ...ownCode(deps),
    reaches,
    packages: packagesOf(reaches),
    variables: [...byValue, ...byCode(reaches, byValue)],
    params,
    ignoredVariables: [],
  };
}

function ownCode(deps: BuiltFunction["deps"]): { ownCode?: string } {
  const own = deps?.find(([label]) => label === "own code");
  return own === undefined ? {} : { ownCode: own[1] };
}

function parseDeps(text: string | undefined): Array<[string, string]> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return undefined;
    return value.filter(
      (pair): pair is [string, string] =>
        Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string",
    );
  } catch (error) {
    if (!isJsonError(error)) throw error;
    return undefined;
  }
}

/** `helper f (src/h.ts)` → `src/h.ts`. */
function fileOf(label: string): { file?: string } {
  const match = /\(([^()]+)\)$/.exec(label);
  return match ? { file: match[1]! } : {};
}

/** Every node of a tree, once each. */
export function walk(nodes: readonly ReachedNode[], visit: (node: ReachedNode) => void): void {
  for (const node of nodes) {
    visit(node);
    walk(node.reaches ?? [], visit);
  }
}

function packagesOf(reaches: readonly ReachedNode[]): Array<{ name: string; version: string }> {
  const found = new Map<string, string>();
  walk(reaches, (node) => {
    if (node.label.startsWith("package ")) found.set(node.label.slice("package ".length), node.hash);
  });
  return [...found].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, version]) => ({ name, version }));
}

/** Module variables in the hash by their declaration's code, and not read by value (those are listed as such). */
function byCode(reaches: readonly ReachedNode[], byValue: readonly ExplainedVariable[]): ExplainedVariable[] {
  const found = new Map<string, ExplainedVariable>();
  walk(reaches, (node) => {
    const match = /^variable (.+) \(([^()]+)\)$/.exec(node.label);
    if (!match) return;
    for (const name of match[1]!.split(", ")) {
      const file = match[2]!;
      if (byValue.some((variable) => variable.name === name && (variable.file === undefined || variable.file === file)))
        continue;
      found.set(`${file}\0${name}`, {
        name,
        by: "code",
        kind: "code",
        file,
        ...(node.line !== undefined ? { line: node.line } : {}),
      });
    }
  });
  return [...found.values()];
}

function inputsOf(computations: readonly StoredComputation[]): ExplainedInput[] {
  const found = new Map<string, ExplainedInput>();
  for (const computation of computations) {
    for (const record of computation.inputs ?? []) {
      const withName = record[0] !== "envkeys" && record[0] !== "argv";
      found.set(recordId(record), { kind: record[0], ...(withName ? { name: String(record[1]) } : {}) });
    }
  }
  return [...found.values()].sort((a, b) => (a.kind + (a.name ?? "") < b.kind + (b.name ?? "") ? -1 : 1));
}

/** Each computation's reason, against the one before it that the store still holds. */
function reasonsOf(computations: readonly StoredComputation[]): ExplainedComputation[] {
  return computations.map((computation, index) => {
    const before = computations[index + 1];
    return {
      at: new Date(computation.created).toISOString(),
      hash: computation.hash,
      reason: reasonOf(before, computation),
    };
  });
}

function reasonOf(before: StoredComputation | undefined, now: StoredComputation): string {
  if (before === undefined) return "no earlier result in the store";
  if (before.hash !== now.hash) return "new code";
  if (before.parts === undefined || now.parts === undefined) return "new arguments or values";
  return (
    describeKeyChange(valueParts(before.parts), valueParts(now.parts)) ??
    "same key computed again (expired, refreshed or found stale)"
  );
}

/**
 * The key parts without `scope.x` when `state.<file>#x` is there too: a
 * module binding that changes after load is keyed as both, and is one
 * variable to the reader.
 */
function valueParts(parts: NonNullable<StoredComputation["parts"]>): Record<string, string> {
  const stateNames = new Set(
    Object.keys(parts).flatMap((part) => (part.startsWith("state.") ? [part.slice(part.lastIndexOf("#") + 1)] : [])),
  );
  return Object.fromEntries(
    Object.entries(parts).filter(
      ([part]) => !(part.startsWith("scope.") && stateNames.has(part.slice("scope.".length))),
    ),
  );
}
