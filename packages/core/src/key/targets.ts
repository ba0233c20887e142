/**
 * The dependency graph's vocabulary (see `dependencies.ts`): what a name can resolve
 * to (a target), the edges between nodes, and the small syntax helpers the
 * walk uses to find bindings, `require`s and TypeScript declarations.
 */
import * as t from "@babel/types";
import type { ModuleRecord } from "../modules/index.js";
import { type Binding, forEachChild, type ModuleScopes, type Scope, unwrap } from "../syntax/index.js";
import type { GraphNode } from "./graph-node.js";

export type Target =
  /**
   * A declaration: function, class, declarator, enum, `export default`
   * expression; a node of the tree `scopes` was found in (the module's own, or
   * for the module being transformed, the tree of this transform).
   */
  | { kind: "declaration"; record: ModuleRecord; node: t.Node; scopes: ModuleScopes }
  /** A parameter (or catch binding) of an enclosing function: no static content. */
  | { kind: "param"; record: ModuleRecord; binding: Binding }
  /** A module as a whole: every export (or the whole code of a CommonJS module). */
  | { kind: "namespace"; record: ModuleRecord }
  /** A file that is not code (JSON, CSS, ...): by its bytes. */
  | { kind: "asset"; record: ModuleRecord }
  /** An ambiguous `export *`: every candidate. */
  | { kind: "choice"; key: string; targets: Target[] }
  /** A package, a built-in, or what cannot be found. */
  | { kind: "token"; token: string; label: string | undefined; shown: string; data: boolean; unparseable?: string };

/**
 * Whether the function's reading of a binding is keyed by value at call time:
 * `value` for variables and closure parameters, `static` for functions,
 * classes, packages and built-ins, `if-data` for imports of project modules
 * (by value unless the export is a function or class).
 */
export type ValueKind = "value" | "static" | "if-data";

export interface Edge {
  name: string;
  target: Target;
  value: ValueKind;
  binding?: Binding | undefined;
}

export interface Usage {
  /** Members read as `name.member`. */
  members: readonly string[];
  /** Whether the name is used in any other way. */
  whole: boolean;
}

export const WHOLE: Usage = { members: [], whole: true };

export const GLOBAL_OBJECTS = new Set(["globalThis", "global", "window", "self"]);

export const FUNCTION_OR_CLASS = new Set(["FunctionExpression", "ArrowFunctionExpression", "ClassExpression"]);

export function isFunctionOrClass(node: t.Node | null | undefined): boolean {
  const inner = unwrap(node);
  return inner != null && FUNCTION_OR_CLASS.has(inner.type);
}

/** `require("./x")` → `./x`. */
export function requiredSpecifier(node: t.Node | null | undefined): string | undefined {
  const inner = unwrap(node);
  if (inner?.type !== "CallExpression" || inner.callee.type !== "Identifier" || inner.callee.name !== "require")
    return undefined;
  const [argument] = inner.arguments;
  return inner.arguments.length === 1 && argument?.type === "StringLiteral" ? argument.value : undefined;
}

/** In `const { a, b: c } = require("x")`, the property `name` comes from (`c` → `b`). */
export function destructuredKey(pattern: t.Node, name: string): string | undefined {
  if (pattern.type !== "ObjectPattern") return undefined;
  for (const property of pattern.properties) {
    if (property.type !== "ObjectProperty" || property.computed) continue;
    const value = property.value.type === "AssignmentPattern" ? property.value.left : property.value;
    if (value.type !== "Identifier" || value.name !== name) continue;
    if (property.key.type === "Identifier") return property.key.name;
    if (property.key.type === "StringLiteral") return property.key.value;
  }
  return undefined;
}

/**
 * TypeScript enums and namespaces have no binding: find a declaration of
 * `name` among the statements of `scope` and the scopes around it.
 */
export function findTypeScriptDeclaration(scope: Scope, name: string): t.Node | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    let block: t.Node = current.block;
    if (t.isFunction(block)) block = block.body;
    if (block.type !== "Program" && block.type !== "BlockStatement" && block.type !== "TSModuleBlock") continue;
    for (let statement of block.body) {
      if (statement.type === "ExportNamedDeclaration") {
        if (!statement.declaration) continue;
        statement = statement.declaration;
      }
      if ((statement as { declare?: boolean }).declare) continue;
      if (statement.type === "TSEnumDeclaration" && statement.id.name === name) return statement;
      if (statement.type === "TSModuleDeclaration" && statement.id.type === "Identifier" && statement.id.name === name)
        return statement;
    }
  }
  return undefined;
}

export function isData(target: Target): boolean {
  switch (target.kind) {
    case "namespace":
      return false;
    case "param":
    case "asset":
      return true;
    case "token":
      return target.data;
    case "choice":
      return target.targets.some(isData);
    case "declaration": {
      const node = target.node;
      switch (node.type) {
        case "VariableDeclarator":
          return !(
            (target.scopes.parentOf(node) as t.VariableDeclaration).kind === "const" && isFunctionOrClass(node.init)
          );
        case "FunctionDeclaration":
        case "ClassDeclaration":
        case "TSEnumDeclaration":
        case "TSModuleDeclaration":
          return false;
        default:
          return !isFunctionOrClass(node);
      }
    }
  }
}

/** The files a node's (or a function's) edges were read from. */
export type Trail = Set<string>;

/**
 * Declarations inside functions (or blocks) and parameters belong to one
 * transform of one module; module-level code is shared by every transform.
 * Module-level code only ever refers to module-level code.
 */
export function isLocal(target: Target): boolean {
  if (target.kind === "param") return true;
  if (target.kind !== "declaration" || target.node.type === "Program") return false;
  return !target.scopes.outerScope(target.node).isProgram;
}

export function newNode(key: string): GraphNode {
  return {
    key,
    own: "",
    edges: [],
    label: undefined,
    shown: "",
    files: new Set(),
    closures: [],
    state: [],
    unknowable: [],
    globals: [],
    globalWrites: [],
    ready: Promise.resolve(),
  };
}

/** What a CommonJS module imports or requires (string literals only). */
export function moduleSources(program: t.Program): string[] {
  const sources = new Set<string>();
  const walk = (node: t.Node) => {
    if (node.type === "ImportDeclaration") {
      if (node.importKind !== "type") sources.add(node.source.value);
    } else if (node.type === "CallExpression") {
      const specifier = requiredSpecifier(node);
      if (specifier !== undefined) sources.add(specifier);
    }
    forEachChild(node, walk);
  };
  walk(program);
  return [...sources];
}
