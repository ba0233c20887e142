import * as t from "@babel/types";
import { type Binding, memberName, type ModuleScopes, runtimeParams, TRANSPARENT_WRAPPERS } from "../syntax/index.js";
import {
  type AnyNode,
  bigint,
  cleanJsxText,
  fieldsOf,
  isDropped,
  isNamePosition,
  isNode,
  isProtoShorthand,
  OPTIONAL_CHAINS,
  scalar,
  statementBody,
} from "./normalize-rules.js";

/**
 * The canonical text of a function or declaration: what the hash covers. Two
 * pieces of code with the same text behave the same, whatever their comments,
 * formatting, quotes, parentheses, TypeScript-only syntax or local names.
 */
export interface NormalizedCode {
  /** The code, serialized. */
  text: string;
  /** Identifiers the code reads from outside itself, sorted (globals, module bindings, closures). */
  freeNames: string[];
  /**
   * Free names read as `name.member` (a non-computed or string-literal
   * property): the members, sorted. A name used that way only is not in
   * `wholeNames`.
   */
  members: Map<string, string[]>;
  /** Free names used in any other way than `name.member`. */
  wholeNames: Set<string>;
  /** Specifiers of `import("./x")` and of `require("./x")` (a free `require`) with a literal, sorted. */
  moduleRequests: string[];
}

/**
 * Serializes `fn`'s parameters and body. `ownDirective` (the function's own
 * `"use cache"`) is left out: its options are hashed separately.
 */
export function normalizeFunction(
  fn: t.Function,
  ownDirective: t.Directive | undefined,
  scopes: ModuleScopes,
): NormalizedCode {
  const writer = new Writer(localBindings(fn, scopes), ownDirective, new Set());
  writer.list(runtimeParams(fn.params), fn, "params");
  writer.out.push("=>");
  writer.node(fn.body);
  return writer.result();
}

/**
 * Serializes a declaration a cached function reaches: a function or class
 * (declaration or expression), one declarator of a `const`/`let`/`var`
 * (pattern and initializer, with the declaration's kind), a TypeScript enum or
 * namespace, an `export default` expression, or a whole program. Bindings
 * declared inside are renamed canonically; the names the declaration itself
 * binds in its enclosing scope are kept as they are (they are how others refer
 * to it) and are not free names.
 */
export function normalizeDeclaration(node: t.Node, scopes: ModuleScopes): NormalizedCode {
  const declared = new Set<t.Node>();
  let kind = "";
  if (node.type === "VariableDeclarator") {
    for (const ids of Object.values(t.getBindingIdentifiers(node.id, true))) for (const id of ids) declared.add(id);
    const parent = scopes.parentOf(node);
    kind = parent?.type === "VariableDeclaration" ? parent.kind : "var";
  } else if (
    (node.type === "FunctionDeclaration" || node.type === "ClassDeclaration" || node.type === "TSEnumDeclaration") &&
    node.id
  ) {
    declared.add(node.id);
  } else if (node.type === "TSModuleDeclaration" && node.id.type === "Identifier") {
    declared.add(node.id);
  }
  const writer = new Writer(localBindings(node, scopes), undefined, declared);
  if (kind) writer.out.push(kind, " ");
  writer.node(node);
  return writer.result();
}

/**
 * Every identifier node that declares, reads or writes a binding declared
 * inside `root` (a function's parameters included), mapped to that binding.
 * Anything not in the map is free and keeps its name. The scope of `root`
 * itself counts when `root` makes one (a function, a class, a program);
 * a declarator or an expression only contains scopes.
 */
function localBindings(root: t.Node, scopes: ModuleScopes): Map<t.Node, Binding> {
  const map = new Map<t.Node, Binding>();
  for (const scope of scopes.scopesWithin(root)) {
    for (const [name, binding] of scope.bindings) {
      map.set(binding.identifier, binding);
      for (const reference of binding.references) map.set(reference, binding);
      for (const violation of binding.violations) {
        for (const id of t.getBindingIdentifiers(violation, true)[name] ?? []) map.set(id, binding);
      }
    }
  }
  return map;
}

/** Writes nodes as `Type{field:value,...}` with fields sorted and locals renamed `$0`, `$1`, ... */
class Writer {
  readonly out: string[] = [];
  readonly free = new Set<string>();
  private readonly whole = new Set<string>();
  private readonly requests = new Set<string>();
  private readonly members = new Map<string, Set<string>>();
  private readonly canonical = new Map<Binding, number>();
  private readonly taggedTemplates = new WeakSet<t.Node>();

  constructor(
    private readonly locals: Map<t.Node, Binding>,
    private readonly ownDirective: t.Directive | undefined,
    /** Identifiers the serialized declaration binds outside itself: kept by name, not free. */
    private readonly declared: ReadonlySet<t.Node>,
  ) {}

  result(): NormalizedCode {
    const members = new Map<string, string[]>();
    for (const [name, used] of [...this.members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      members.set(name, [...used].sort());
    }
    return {
      text: this.out.join(""),
      freeNames: [...this.free].sort(),
      members,
      wholeNames: this.whole,
      moduleRequests: [...this.requests].sort(),
    };
  }

  /** `import("./x")`, `require("./x")`: a module the code loads at run time. */
  private moduleRequest(node: t.CallExpression | t.ImportExpression): void {
    let source: t.Node | undefined;
    if (node.type === "ImportExpression") source = node.source;
    else if (node.callee.type === "Import") source = node.arguments[0];
    else if (node.callee.type === "Identifier" && node.callee.name === "require" && !this.locals.has(node.callee))
      source = node.arguments[0];
    if (source?.type === "StringLiteral") this.requests.add(source.value);
    else if (source?.type === "TemplateLiteral" && source.expressions.length === 0)
      this.requests.add(source.quasis[0]!.value.cooked ?? "");
  }

  node(input: t.Node | null | undefined): void {
    if (input == null) {
      this.out.push("_");
      return;
    }
    let node = input;
    while (TRANSPARENT_WRAPPERS.has(node.type)) node = (node as t.TSAsExpression).expression;
    switch (node.type) {
      case "Identifier":
      case "JSXIdentifier":
        return this.reference(node);
      case "PrivateName":
        return this.name(node);
      case "BigIntLiteral":
        this.out.push("BigInt(", bigint(node.value), ")");
        return;
      case "JSXText":
        this.out.push("JSXText(", JSON.stringify(cleanJsxText(node.value)), ")");
        return;
      case "TemplateLiteral":
        return this.template(node);
      case "TaggedTemplateExpression":
        // A tag sees the raw spelling of the template, so keep it there.
        this.taggedTemplates.add(node.quasi);
        break;
      case "CallExpression":
      case "ImportExpression":
        this.moduleRequest(node);
        break;
      case "MemberExpression":
      case "OptionalMemberExpression":
        return this.member(node);
    }
    this.fields(node as AnyNode);
  }

  private fields(node: AnyNode): void {
    this.out.push(node.type, "{");
    for (const key of fieldsOf(node)) {
      if (key === "optional" && !OPTIONAL_CHAINS.has(node.type)) continue;
      if (key === "shorthand" && !isProtoShorthand(node)) continue;
      const value = statementBody(node, key, node[key]);
      // An arrow's `expression` flag (expression body or block) repeats what its body's type says.
      if (key === "expression" && typeof value === "boolean") continue;
      if (value == null || value === false) continue;
      this.out.push(key, ":");
      if (isNamePosition(node, key, value, (id) => this.locals.has(id))) this.name(value as t.Node);
      else if (Array.isArray(value)) this.list(value, node, key);
      else if (isNode(value)) this.node(value);
      else this.out.push(scalar(value));
      this.out.push(",");
    }
    this.out.push("}");
  }

  list(items: readonly unknown[], parent: t.Node, key: string): void {
    this.out.push("[");
    for (const item of items) {
      if (item == null)
        this.out.push("_"); // an array hole
      else if (!isNode(item)) this.out.push(scalar(item));
      else if (isDropped(item, parent, key, this.ownDirective)) continue;
      else this.node(item);
      this.out.push(",");
    }
    this.out.push("]");
  }

  /** A property or label name: kept as written (by value for string and number keys). */
  private name(node: t.Node): void {
    switch (node.type) {
      case "Identifier":
      case "JSXIdentifier":
        this.out.push("N", JSON.stringify(node.name));
        return;
      case "StringLiteral":
        this.out.push("N", JSON.stringify(node.value));
        return;
      case "NumericLiteral":
        this.out.push("N", JSON.stringify(String(node.value)));
        return;
      case "BigIntLiteral":
        this.out.push("N", JSON.stringify(bigint(node.value)));
        return;
      case "PrivateName":
        this.out.push("P", JSON.stringify(node.id.name));
        return;
      default:
        this.node(node);
    }
  }

  /** A local gets a canonical number by first occurrence; a free name stays as it is. */
  private reference(node: t.Identifier | t.JSXIdentifier, member?: string): void {
    const binding = this.locals.get(node);
    if (binding) {
      let index = this.canonical.get(binding);
      if (index === undefined) {
        index = this.canonical.size;
        this.canonical.set(binding, index);
      }
      this.out.push("$", String(index));
      return;
    }
    if (this.declared.has(node)) {
      this.out.push("D", JSON.stringify(node.name));
      return;
    }
    this.free.add(node.name);
    if (member === undefined) this.whole.add(node.name);
    else {
      let used = this.members.get(node.name);
      if (!used) this.members.set(node.name, (used = new Set()));
      used.add(member);
    }
    this.out.push("G", JSON.stringify(node.name));
  }

  /** `a.b` and `a["b"]` are the same read. */
  private member(node: t.MemberExpression | t.OptionalMemberExpression): void {
    this.out.push(node.type, "{object:");
    const property = node.property;
    let object: t.Node = node.object;
    while (TRANSPARENT_WRAPPERS.has(object.type)) object = (object as t.TSAsExpression).expression;
    const name = memberName(node);
    // `ns.member` of a free name: which members are read matters (a namespace import).
    if (object.type === "Identifier" && name !== undefined) this.reference(object, name);
    else this.node(node.object);
    if (!node.computed || property.type === "StringLiteral") {
      this.out.push(",name:");
      this.name(property);
    } else {
      this.out.push(",computed:");
      this.node(property);
    }
    if (node.optional) this.out.push(",optional:true");
    this.out.push("}");
  }

  private template(node: t.TemplateLiteral): void {
    const raw = this.taggedTemplates.has(node);
    this.out.push("Template[");
    node.quasis.forEach((quasi, index) => {
      this.out.push(JSON.stringify(raw ? quasi.value.raw : (quasi.value.cooked ?? null)));
      const expression = node.expressions[index];
      if (expression) {
        this.out.push("${");
        this.node(expression);
        this.out.push("}");
      }
    });
    this.out.push("]");
  }
}
