/**
 * How a module uses what it imports, for the outside check
 * (`outside-mutation.ts`): which imported names it mutates or lets escape,
 * and which whole module objects it hands on.
 */
import type * as t from "@babel/types";
import { builtinName } from "../modules/index.js";
import { exportName, forEachChild, memberName, type ModuleScopes } from "../syntax/index.js";
import { isDefaultExportReference, isExportReference, useOf } from "./reference-use.js";

/** What a parsed module does with what it imports. */
export interface ImportUses {
  /** Imported names it mutates, lets escape or calls unknown methods on. */
  mutated: Set<string>;
  /** Imported names it mutates (a member assignment, `Object.assign(x, …)`, a mutating method): what changes a function or class. */
  changed: Set<string>;
  /** Specifiers of default imports used other than by reading: `"mutate"` when mutated, else `"other"` (passed on, unknown methods). */
  defaults: Map<string, "mutate" | "other">;
  /** Specifiers of modules whose whole module object escapes (any of their exports may be mutated). */
  wholeModules: Set<string>;
  /** A module object of a computed specifier escapes: any module's exports may be mutated. */
  any: boolean;
}

/**
 * How a module uses its imports: a named or default import used other than
 * by reading (mutated, passed on, a method of unknown effect called) marks
 * its imported name; a namespace (or `require`d module) by the names read
 * off it, or as a whole when it escapes; `import()` and other `require`
 * calls as a whole.
 */
export function importUses(scopes: ModuleScopes): ImportUses {
  const uses: ImportUses = {
    mutated: new Set(),
    changed: new Set(),
    defaults: new Map(),
    wholeModules: new Set(),
    any: false,
  };
  const mark = (name: string, reference: t.Node) => {
    if (isExportReference(reference, scopes)) return; // `export { x }`: its own importers are searched by name
    // `export default x` hands it on under a name the check cannot follow: as if mutated.
    const use = isDefaultExportReference(reference, scopes) ? "mutate" : useOf(reference, scopes);
    if (use !== "read") uses.mutated.add(name);
    if (use === "mutate") uses.changed.add(name);
  };
  // A module object (`ns`, `m = require(…)`, `m = await import(…)`): by the names read off it, else as a whole.
  const markMembers = (reference: t.Node, specifier: string) => {
    const parent = scopes.parentOf(reference);
    if (parent?.type === "MemberExpression" && parent.object === reference) {
      const name = memberName(parent);
      if (name === undefined) uses.wholeModules.add(specifier);
      else mark(name, parent);
    } else if (isExportReference(reference, scopes) || useOf(reference, scopes) !== "read") {
      uses.wholeModules.add(specifier);
    }
  };
  // `const m = …`, `const { a, b: c } = …` of a module object; false for any other use.
  const markDeclared = (declarator: t.Node | undefined, specifier: string): boolean => {
    if (declarator?.type !== "VariableDeclarator") return false;
    const id = declarator.id;
    const bindingOf = (name: string) => scopes.scopeAt(declarator).getBinding(name);
    if (id.type === "Identifier") {
      for (const reference of bindingOf(id.name)?.references ?? []) markMembers(reference, specifier);
      return true;
    }
    if (id.type !== "ObjectPattern") return false;
    for (const property of id.properties) {
      const key =
        property.type === "ObjectProperty" && !property.computed
          ? property.key.type === "Identifier"
            ? property.key.name
            : property.key.type === "StringLiteral"
              ? property.key.value
              : undefined
          : undefined;
      const value =
        property.type === "ObjectProperty"
          ? property.value.type === "AssignmentPattern"
            ? property.value.left
            : property.value
          : undefined;
      if (key === undefined || value?.type !== "Identifier") {
        uses.wholeModules.add(specifier); // a rest element or a nested pattern
        continue;
      }
      for (const reference of bindingOf(value.name)?.references ?? []) mark(key, reference);
    }
    return true;
  };
  for (const binding of scopes.program.bindings.values()) {
    const node = binding.node;
    if (node.type === "ImportSpecifier") {
      for (const reference of binding.references) mark(exportName(node.imported), reference);
    } else if (node.type === "ImportDefaultSpecifier") {
      const specifier = (scopes.parentOf(node) as t.ImportDeclaration).source.value;
      if (builtinName(specifier) !== undefined) continue;
      for (const reference of binding.references) {
        if (isExportReference(reference, scopes)) continue;
        const use = isDefaultExportReference(reference, scopes) ? "mutate" : useOf(reference, scopes);
        if (use === "read") continue;
        uses.defaults.set(
          specifier,
          use === "mutate" || uses.defaults.get(specifier) === "mutate" ? "mutate" : "other",
        );
      }
    } else if (node.type === "ImportNamespaceSpecifier") {
      const specifier = (scopes.parentOf(node) as t.ImportDeclaration).source.value;
      if (builtinName(specifier) !== undefined) continue;
      for (const reference of binding.references) markMembers(reference, specifier);
    }
  }
  const call = (node: t.CallExpression) => {
    const callee = node.callee;
    const isRequire =
      callee.type === "Identifier" && callee.name === "require" && !scopes.scopeAt(node).getBinding("require");
    if (!isRequire && callee.type !== "Import") return;
    const [argument] = node.arguments;
    if (argument?.type !== "StringLiteral" || node.arguments.length !== 1) {
      uses.any = true; // a computed specifier: any module
      return;
    }
    const specifier = argument.value;
    if (builtinName(specifier) !== undefined) return;
    // `require("./x")`, `await import("./x")`: bound to a name or destructured, or only run.
    const parent = scopes.parentOf(node);
    const value = isRequire ? node : parent?.type === "AwaitExpression" ? parent : undefined;
    const around = value && scopes.parentOf(value);
    if (value && markDeclared(around, specifier)) return;
    if (around?.type === "ExpressionStatement" || parent?.type === "ExpressionStatement") return;
    if (value) markMembers(value, specifier);
    else uses.wholeModules.add(specifier); // `import("./x").then(…)`, `lazy(() => import("./x"))`
  };
  const walk = (node: t.Node) => {
    if (node.type === "CallExpression") call(node);
    forEachChild(node, walk);
  };
  walk(scopes.program.block);
  return uses;
}
