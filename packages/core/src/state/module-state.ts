/**
 * Module state: which module-level bindings can hold another value after
 * the module has loaded (they count by their value at call time), and which
 * statements run at load and touch a binding (they count as its code).
 *
 * Conservative by design: a binding is "changing" when it is reassigned
 * inside a function, mutated inside a function (member assignment, `delete`,
 * a mutating method, `Object.assign(x, …)` …), or, for data, when it escapes
 * where the analysis cannot follow it (passed to a call, returned, aliased):
 * a cache that keys by a value too many is only slower, one that misses a
 * change returns an old result. Data exported by name is "exported": it
 * changes if an importer mutates it, which only a view of the whole project
 * can tell (`outside-mutation.ts`).
 */
import * as t from "@babel/types";
import type { ModuleRecord } from "../modules/index.js";
import {
  type Binding,
  forEachChild,
  type ModuleScopes,
  PRIMITIVE_LITERALS,
  TRANSPARENT_WRAPPERS,
} from "../syntax/index.js";
import { isCodeBinding, madeFromInput } from "./load-input.js";
import { isDefaultExportReference, isExportReference, runsLater, topStatement, useOf } from "./reference-use.js";
import { type UnknowableConstruct, unknowableConstructs } from "./unknowable.js";
import { writesOnly } from "./writes-only.js";

export interface ModuleState {
  /** Module-level bindings whose value may change after the module has loaded, sorted. */
  changing: string[];
  /**
   * Bindings not among `changing` whose data the module makes at load from
   * a run-time input (`load-input.ts`), sorted: fixed after load, but another
   * value in the next process, so they count by value too.
   */
  inputs: string[];
  /**
   * Data the module exports by name and does not change itself, sorted: it
   * changes only if another module mutates it through an import (see
   * `outside-mutation.ts`; without a view of the project it counts as changing).
   */
  exported: string[];
  /**
   * Functions and classes among `exported`: another module changes them only
   * by mutating them (`Config.rate = 3`, `Object.assign(fn, …)`), not by
   * passing them on (a callback), as within the module.
   */
  exportedCode: Set<string>;
  /** By binding name: top-level statements (other than its declaration) that run at load and touch it. */
  loadTime: Map<string, t.Node[]>;
  /**
   * By changing (or input) binding: offsets of the references that read its value (not
   * those that only write it, like `log.push(x)` or `runs[k] = (runs[k] ?? 0) + 1`
   * as statements): code that only writes a binding does not depend on it.
   */
  reads: Map<string, number[]>;
  /** `eval`, `new Function`, computed namespace access and global writes anywhere in the module. */
  unknowable: UnknowableConstruct[];
}

const states = new WeakMap<ModuleRecord, ModuleState>();

/** The state analysis of a parsed module, computed once per module content. */
export function moduleState(record: ModuleRecord): ModuleState {
  let state = states.get(record);
  if (!state) {
    state =
      record.kind === "module"
        ? analyzeState(record.scopes!)
        : {
            changing: [],
            inputs: [],
            exported: [],
            exportedCode: new Set(),
            loadTime: new Map(),
            reads: new Map(),
            unknowable: [],
          };
    states.set(record, state);
  }
  return state;
}

function isPrimitive(node: t.Node | null | undefined): boolean {
  if (!node || PRIMITIVE_LITERALS.has(node.type)) return true;
  switch (node.type) {
    case "TemplateLiteral":
      return node.expressions.length === 0;
    case "UnaryExpression":
      return node.operator !== "delete" && isPrimitive(node.argument);
    case "Identifier":
      return node.name === "undefined";
    default:
      return TRANSPARENT_WRAPPERS.has(node.type) ? isPrimitive((node as t.TSAsExpression).expression) : false;
  }
}

function isExported(binding: Binding): boolean {
  const scopes = binding.scope.module;
  const declaration = binding.node.type === "VariableDeclarator" ? scopes.parentOf(binding.node) : binding.node;
  const parent = declaration && scopes.parentOf(declaration);
  return parent?.type === "ExportNamedDeclaration" || parent?.type === "ExportDefaultDeclaration";
}

/**
 * A class whose static methods change the class through `this`
 * (`static setRate(r) { this.rate = r }`, `this.list.push(x)`,
 * `Object.assign(this, …)`): whoever calls them, from this module or another, changes it,
 * so it counts by value wherever it is read.
 */
function mutatesItselfStatically(binding: Binding, scopes: ModuleScopes): boolean {
  let node: t.Node | null | undefined = binding.node;
  if (node.type === "VariableDeclarator") node = node.init;
  while (node && TRANSPARENT_WRAPPERS.has(node.type)) node = (node as t.TSAsExpression).expression;
  if (node?.type !== "ClassDeclaration" && node?.type !== "ClassExpression") return false;
  let found = false;
  const walk = (inner: t.Node) => {
    if (found) return;
    // `this` of a nested function or class is another one; an arrow's is the method's.
    if ((t.isFunction(inner) && inner.type !== "ArrowFunctionExpression") || t.isClass(inner)) return;
    if (inner.type === "ThisExpression") {
      // Handing `this` on is like passing a class as a callback within its module: not a mutation.
      if (useOf(inner, scopes) === "mutate") found = true;
      return;
    }
    forEachChild(inner, walk);
  };
  for (const member of node.body.body) {
    if (member.type === "ClassMethod" && member.static && member.kind !== "constructor")
      forEachChild(member.body, walk);
    else if (
      (member.type === "ClassProperty" || member.type === "ClassPrivateProperty") &&
      member.static &&
      member.value
    ) {
      const value = member.value;
      if (value.type === "ArrowFunctionExpression" || value.type === "FunctionExpression")
        forEachChild(value.body, walk);
    } else if (member.type === "ClassPrivateMethod" && member.static) forEachChild(member.body, walk);
  }
  return found;
}

function analyzeState(scopes: ModuleScopes): ModuleState {
  const changing: string[] = [];
  const inputs: string[] = [];
  const exported: string[] = [];
  const exportedCode = new Set<string>();
  const loadTime = new Map<string, t.Node[]>();
  const reads = new Map<string, number[]>();
  for (const [name, binding] of scopes.program.bindings) {
    if (binding.kind === "module") continue; // an import: its own module says
    const own = topStatement(binding.node, scopes);
    const statements = new Set<t.Node>();
    const atLoad = (node: t.Node) => {
      const statement = topStatement(node, scopes);
      if (!statement || statement === own || (statement.type === "ExportNamedDeclaration" && !statement.declaration))
        return;
      statements.add(statement);
    };
    let changes = false;
    const code = isCodeBinding(binding);
    if (code && mutatesItselfStatically(binding, scopes)) changes = true;
    for (const violation of binding.violations) {
      if (violation === binding.node) continue;
      if (runsLater(violation, scopes)) changes = true;
      else atLoad(violation);
    }
    const fixed =
      !code &&
      binding.violations.length === 0 &&
      binding.node.type === "VariableDeclarator" &&
      isPrimitive(binding.node.init);
    // Exported data, functions and classes: another module may mutate them (`outside-mutation.ts`).
    let exports = !fixed && isExported(binding);
    for (const reference of binding.references) {
      if (isExportReference(reference, scopes) || isDefaultExportReference(reference, scopes)) {
        exports ||= !fixed;
        continue;
      }
      const later = runsLater(reference, scopes);
      const use = useOf(reference, scopes);
      // Code at load that only reads it cannot change it.
      if (!later && use !== "read") atLoad(reference);
      if (fixed || changes) continue;
      if (use === "mutate" || (use === "call" && !code)) changes ||= later;
      if (use === "escape" && !code) changes = true;
    }
    // Made at load from an environment variable, a file, a call: another value in the next process.
    const input = !changes && madeFromInput(binding, scopes);
    if (changes || exports || input) {
      (changes ? changing : input ? inputs : exported).push(name);
      if (!changes && !input && code) exportedCode.add(name);
      reads.set(
        name,
        binding.references
          .filter(
            (reference) =>
              !isExportReference(reference, scopes) &&
              !isDefaultExportReference(reference, scopes) &&
              !writesOnly(reference, binding, scopes),
          )
          .map((reference) => reference.start!),
      );
    }
    if (statements.size > 0)
      loadTime.set(
        name,
        [...statements].sort((a, b) => a.start! - b.start!),
      );
  }
  // `export default { rate: 1 }`: data without a name in its module, which only importers can mutate.
  if (anonymousDefaultData(scopes.program.block as t.Program)) {
    exported.push("default");
    reads.set("default", []);
  }
  return {
    changing: changing.sort(),
    inputs: inputs.sort(),
    exported: exported.sort(),
    exportedCode,
    loadTime,
    reads,
    unknowable: unknowableConstructs(scopes),
  };
}

/**
 * The expression of `export default <expression>` when it is data that has
 * no name in its module (an object, an array, `new Map()`, a call): its
 * state is registered as `default` (`rewrite/rewrite.ts` names it). Not a name
 * (a binding of its own), a primitive, a function or a class.
 */
export function anonymousDefaultData(program: t.Program): t.Expression | undefined {
  for (const statement of program.body) {
    if (statement.type !== "ExportDefaultDeclaration") continue;
    const declaration = statement.declaration;
    if (!t.isExpression(declaration)) return undefined;
    let inner: t.Node = declaration;
    while (TRANSPARENT_WRAPPERS.has(inner.type)) inner = (inner as t.TSAsExpression).expression;
    if (inner.type === "Identifier" || isPrimitive(inner) || t.isFunction(inner) || t.isClass(inner)) return undefined;
    return declaration;
  }
  return undefined;
}
