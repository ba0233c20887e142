import type * as t from "@babel/types";

/**
 * One binding a parameter list creates, after defaults and destructuring:
 * the value the runtime keys on, and where it comes from in the caller's
 * terms (`args[1].b`), for warnings.
 */
export interface ResolvedParam {
  name: string;
  path: string;
}

type Param = t.Function["params"][number];
type PatternNode = Param | t.LVal | t.PatternLike | t.ObjectProperty["value"];

/**
 * The bindings of a parameter list in pattern order. For
 * `(a, { b, c = 2, d: { e } }, [f, , g] = [], ...rest)` that is
 * a, b, c, e, f, g, rest with paths `args[0]`, `args[1].b`, `args[1].c`,
 * `args[1].d.e`, `args[2][0]`, `args[2][2]`, `args[3...]`.
 * A TypeScript `this` parameter is not a parameter at run time and is left out.
 */
export function resolveParams(params: readonly Param[], code: string): ResolvedParam[] {
  const out: ResolvedParam[] = [];
  runtimeParams(params).forEach((param, index) => {
    if (param.type === "RestElement") collect(param.argument, `args[${index}...]`, out, code);
    else collect(param, `args[${index}]`, out, code);
  });
  // Sloppy-mode `function f(a, a)`: the last one wins, as in JavaScript.
  return out.filter((param, index) => !out.some((other, later) => later > index && other.name === param.name));
}

/** The parameters that exist at run time (without a TypeScript `this: T`). */
export function runtimeParams<P extends Param>(params: readonly P[]): P[] {
  const first = params[0];
  return first?.type === "Identifier" && first.name === "this" ? params.slice(1) : [...params];
}

/**
 * The default of each parameter binding that has one of its own, as written
 * (`{ digits = 1 } = {}` → digits: `1`): the key holds the value after it is
 * applied, which `cachephant explain` shows.
 */
export function paramDefaults(params: readonly Param[], code: string): Map<string, string> {
  const defaults = new Map<string, string>();
  const walk = (node: PatternNode | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case "AssignmentPattern":
        if (node.left.type === "Identifier")
          defaults.set(node.left.name, code.slice(node.right.start ?? 0, node.right.end ?? 0));
        walk(node.left);
        return;
      case "TSParameterProperty":
        walk(node.parameter);
        return;
      case "RestElement":
        walk(node.argument);
        return;
      case "ArrayPattern":
        node.elements.forEach((element) => walk(element));
        return;
      case "ObjectPattern":
        for (const property of node.properties)
          walk(property.type === "RestElement" ? property.argument : property.value);
        return;
      default:
        return;
    }
  };
  runtimeParams(params).forEach((param) => walk(param));
  return defaults;
}

function collect(node: PatternNode, path: string, out: ResolvedParam[], code: string): void {
  switch (node.type) {
    case "Identifier":
      out.push({ name: node.name, path });
      return;
    case "AssignmentPattern":
      // The default does not change where the value comes from.
      collect(node.left, path, out, code);
      return;
    case "TSParameterProperty":
      collect(node.parameter, path, out, code);
      return;
    case "ArrayPattern":
      node.elements.forEach((element, index) => {
        if (!element) return; // a hole: `[a, , b]`
        if (element.type === "RestElement") collect(element.argument, `${path}[${index}...]`, out, code);
        else collect(element, `${path}[${index}]`, out, code);
      });
      return;
    case "ObjectPattern":
      for (const property of node.properties) {
        if (property.type === "RestElement") collect(property.argument, `${path}...`, out, code);
        else collect(property.value, path + keyPath(property, code), out, code);
      }
      return;
    case "TSAsExpression":
    case "TSSatisfiesExpression":
    case "TSNonNullExpression":
    case "TSTypeAssertion":
      collect(node.expression, path, out, code);
      return;
    default:
      // Member expressions cannot appear in parameter lists; nothing else binds.
      return;
  }
}

const IDENTIFIER_NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

function keyPath(property: t.ObjectProperty, code: string): string {
  const key = property.key;
  if (property.computed) return `[${code.slice(key.start ?? 0, key.end ?? 0)}]`;
  switch (key.type) {
    case "Identifier":
      return `.${key.name}`;
    case "StringLiteral":
      return IDENTIFIER_NAME.test(key.value) ? `.${key.value}` : `[${JSON.stringify(key.value)}]`;
    case "NumericLiteral":
      return `[${key.value}]`;
    case "BigIntLiteral":
      return `[${key.value}]`;
    default:
      return `[${code.slice(key.start ?? 0, key.end ?? 0)}]`;
  }
}
