/**
 * Constructs whose effect on a result the build cannot know (`eval`,
 * `new Function`, a computed `import()`), found once per module.
 */
import * as t from "@babel/types";
import { forEachChild, type ModuleScopes, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import { calleeName } from "./reference-use.js";

/** A construct whose effect on a result the build cannot know. */
export interface UnknowableConstruct {
  /** `eval`, `new Function`, `computed access into namespace h`, `write to global x`. */
  construct: string;
  /** 1-based line in the module. */
  line: number;
  /** Offset in the module, to tell which declaration holds it. */
  start: number;
  /** For a write to a global: its name (a warning only when reached code reads it). */
  global?: string;
}

/** Whether a module specifier is known only at run time (not a string, nor a template without expressions). */
function computedSpecifier(node: t.Node | undefined): boolean {
  if (node === undefined) return false;
  if (node.type === "StringLiteral") return false;
  return !(node.type === "TemplateLiteral" && node.expressions.length === 0);
}

/** `eval`, `new Function`, computed access into a namespace import, writes to globals, `import()`/`require()` of a computed specifier. */
export function unknowableConstructs(scopes: ModuleScopes): UnknowableConstruct[] {
  const found: UnknowableConstruct[] = [];
  const at = (node: t.Node) => ({ line: node.loc?.start.line ?? 0, start: node.start ?? 0 });
  const bound = (node: t.Node, name: string) => scopes.scopeAt(node).getBinding(name) !== undefined;
  const walk = (node: t.Node) => {
    switch (node.type) {
      case "CallExpression": {
        const callee = node.callee;
        if (callee.type === "Identifier" && !bound(node, callee.name)) {
          if (callee.name === "eval") found.push({ construct: "eval", ...at(node) });
          if (callee.name === "Function") found.push({ construct: "Function()", ...at(node) });
          if (callee.name === "require" && computedSpecifier(node.arguments[0]))
            found.push({ construct: "require() of a computed specifier", ...at(node) });
        }
        // Which module it loads is known only at run time: its code is in no hash.
        if (callee.type === "Import" && computedSpecifier(node.arguments[0]))
          found.push({ construct: "import() of a computed specifier", ...at(node) });
        break;
      }
      case "ImportExpression": {
        if (computedSpecifier(node.source)) found.push({ construct: "import() of a computed specifier", ...at(node) });
        break;
      }
      case "NewExpression": {
        const callee = node.callee;
        if (callee.type === "Identifier" && callee.name === "Function" && !bound(node, "Function")) {
          found.push({ construct: "new Function", ...at(node) });
        }
        break;
      }
      case "MemberExpression": {
        let object = node.object;
        while (TRANSPARENT_WRAPPERS.has(object.type)) object = (object as t.TSAsExpression).expression;
        if (!node.computed || object.type !== "Identifier" || node.property.type === "StringLiteral") break;
        const binding = scopes.scopeAt(node).getBinding(object.name);
        if (binding?.node.type === "ImportNamespaceSpecifier") {
          found.push({ construct: `computed access into namespace ${object.name}`, ...at(node) });
        }
        break;
      }
      case "AssignmentExpression": {
        const left = node.left;
        let name: string | undefined;
        if (left.type === "Identifier" && !bound(node, left.name)) name = left.name;
        const member = left.type === "MemberExpression" ? calleeName(left) : undefined;
        const global = member !== undefined ? /^(?:globalThis|global|window|self)\.([\w$]+)/.exec(member) : null;
        if (global && !bound(node, member!.split(".")[0]!)) name = global[1];
        if (name !== undefined) found.push({ construct: `write to global ${name}`, ...at(node), global: name });
        break;
      }
    }
    forEachChild(node, walk);
  };
  walk(scopes.program.block);
  return found;
}
