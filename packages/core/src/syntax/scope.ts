/**
 * Scopes of a parsed module, found in one walk over Babel's syntax tree
 * without `NodePath`s: which identifier refers to which binding, and which
 * code reassigns it.
 *
 * The rules are those of Babel's own scope crawl (`@babel/traverse`,
 * `scope/index.js`), kept step for step, so that the analysis sees the same
 * bindings, references and reassignments as Babel would (checked binding by
 * binding against Babel on real code in `test/scope.test.ts`). Babel's crawl
 * makes a path object for every node of every module a cached function
 * reaches and was most of a fresh build's analysis; this walk makes one map
 * entry per node.
 */
import * as t from "@babel/types";

export type BindingKind = "var" | "let" | "const" | "hoisted" | "param" | "local" | "module" | "unknown";

export class Binding {
  /** Identifiers (and `export` declarations) that read the binding, in source order. */
  readonly references: t.Node[] = [];
  /** Code that assigns it again: assignments, updates, `delete`, `for (x of …)`, redeclarations. */
  readonly violations: t.Node[] = [];

  constructor(
    readonly identifier: t.Identifier,
    /** The declaring node: a declarator, function, class, import specifier, parameter, catch clause … */
    readonly node: t.Node,
    readonly kind: BindingKind,
    readonly scope: Scope,
  ) {}

  reference(node: t.Node): void {
    if (!this.references.includes(node)) this.references.push(node);
  }

  reassign(node: t.Node): void {
    if (!this.violations.includes(node)) this.violations.push(node);
  }
}

export class Scope {
  readonly bindings = new Map<string, Binding>();

  constructor(
    /** The node that makes the scope: the program, a function, a block, a class … */
    readonly block: t.Node,
    readonly parent: Scope | undefined,
    /** The module's scopes, to find where a binding's nodes sit. */
    readonly module: ModuleScopes,
  ) {}

  get isProgram(): boolean {
    return this.block.type === "Program";
  }

  /** Babel's `getBinding`, with its two turns: defaults in a parameter pattern see only parameters, and a function's `arguments`. */
  getBinding(name: string): Binding | undefined {
    let previous: t.Node | undefined;
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const binding = scope.bindings.get(name);
      if (binding) {
        if (!(previous && t.isPattern(previous) && binding.kind !== "param" && binding.kind !== "local"))
          return binding;
      } else if (name === "arguments" && t.isFunction(scope.block) && scope.block.type !== "ArrowFunctionExpression") {
        return undefined;
      }
      previous = scope.block;
    }
    return undefined;
  }

  /** The nearest scope `var` declarations belong to: a function, a static block, a namespace, or the program. */
  functionParent(): Scope {
    let scope: Scope = this;
    while (!t.isFunctionParent(scope.block) && scope.parent) scope = scope.parent;
    return scope;
  }

  /** The nearest scope `let`, `const`, classes and functions in blocks belong to. */
  blockParent(): Scope {
    let scope: Scope = this;
    while (!t.isBlockParent(scope.block) && scope.parent) scope = scope.parent;
    return scope;
  }
}

/** The scopes of one module: its program scope and where each node sits. */
export class ModuleScopes {
  readonly program: Scope;
  private readonly parents = new Map<t.Node, t.Node>();
  private readonly own = new Map<t.Node, Scope>();
  /** Subtrees that sit in another scope than their parent's: a method's key and decorators, a `switch`'s discriminant. */
  private readonly outside = new Map<t.Node, Scope>();

  constructor(program: t.Program) {
    this.program = new Scope(program, undefined, this);
    this.own.set(program, this.program);
  }

  /** Filled by the walk (`Crawl`). */
  record(node: t.Node, parent: t.Node, scope: Scope | undefined, outside: Scope | undefined): void {
    this.parents.set(node, parent);
    if (scope) this.own.set(node, scope);
    if (outside) this.outside.set(node, outside);
  }

  parentOf(node: t.Node): t.Node | undefined {
    return this.parents.get(node);
  }

  /** The scope `node` makes (a function, a block …), if it makes one. */
  ownScope(node: t.Node): Scope | undefined {
    return this.own.get(node);
  }

  /** The scope in effect at `node`: its own, or the nearest around it (Babel's `path.scope`). */
  scopeAt(node: t.Node): Scope {
    for (let current: t.Node | undefined = node; current; current = this.parents.get(current)) {
      const scope = this.own.get(current) ?? this.outside.get(current);
      if (scope) return scope;
    }
    return this.program;
  }

  /**
   * The scope a declaration's name is bound in: for a function or class
   * declaration the scope around it, else the one it sits in.
   */
  outerScope(node: t.Node): Scope {
    const parent = this.parents.get(node);
    return this.own.has(node) && parent ? this.scopeAt(parent) : this.scopeAt(node);
  }

  /** Every scope made by `root` or a node inside it. */
  scopesWithin(root: t.Node): Scope[] {
    const found: Scope[] = [];
    const walk = (node: t.Node) => {
      const scope = this.own.get(node);
      if (scope) found.push(scope);
      forEachChild(node, walk);
    };
    walk(root);
    return found;
  }
}

/**
 * Calls `visit` with each child node of `node`, in Babel's order
 * (`VISITOR_KEYS`). Type annotations are left out, as the crawl leaves them out.
 */
export function forEachChild(node: t.Node, visit: (child: t.Node) => void): void {
  const keys = t.VISITOR_KEYS[node.type];
  if (!keys) return;
  for (const key of keys) {
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const child of value as Array<t.Node | null>) if (child && child.type !== "TSTypeAnnotation") visit(child);
    } else if (value && typeof (value as t.Node).type === "string" && (value as t.Node).type !== "TSTypeAnnotation") {
      visit(value as t.Node);
    }
  }
}
