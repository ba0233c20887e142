/**
 * The one walk over a module's syntax tree that finds its scopes and which
 * binding each identifier refers to (see `scope.ts`).
 */
import * as t from "@babel/types";
import { Binding, type BindingKind, ModuleScopes, Scope } from "./scope.js";

type Pending = Array<[t.Node, Scope]>;

/** Where a node sits: the scope in effect, the one a new scope nests in, and the nearest one an ancestor makes. */
interface Place {
  inEffect: Scope;
  nesting: Scope;
  structural: Scope;
}

/** One walk over the tree in Babel's visiting order (`VISITOR_KEYS`), registering as Babel's collector does. */
export class Crawl {
  private readonly module: ModuleScopes;
  private readonly references: Pending = [];
  private readonly assignments: Pending = [];
  private readonly violations: Pending = [];
  /** `var`s and functions, checked once every parent is known: in a loop, each turn assigns them again. */
  private readonly declaredInLoops: Binding[] = [];
  private readonly root: Scope;

  constructor(private readonly program: t.Program) {
    this.module = new ModuleScopes(program);
    this.root = this.module.program;
  }

  run(): ModuleScopes {
    const root: Place = { inEffect: this.root, nesting: this.root, structural: this.root };
    this.children(this.program, undefined, root, root);
    // As Babel: references and reassignments are resolved once every binding is known.
    for (const [node, scope] of this.assignments) this.reassign(node, scope);
    for (const [node, scope] of this.references) scope.getBinding((node as t.Identifier).name)?.reference(node);
    for (const [node, scope] of this.violations) this.reassign(node, scope);
    for (const binding of this.declaredInLoops) {
      if (this.isInitInLoop(binding.node) && !binding.violations.includes(binding.node))
        binding.violations.unshift(binding.node);
    }
    return this.module;
  }

  /**
   * Visits the children of `node` in Babel's order. `at` says which scope
   * is in effect inside `node` (Babel's `path.scope`), which scope a new
   * scope inside it nests in, and the nearest scope made by an ancestor;
   * `around` says the same of `node` itself. They differ where Babel sets
   * them apart: a method's key and decorators are in the scope around the
   * method, and a `switch`'s discriminant sees the scope around the
   * `switch` while a function in it still nests inside the `switch`.
   */
  private children(node: t.Node, parent: t.Node | undefined, at: Place, around: Place): void {
    const keys = t.VISITOR_KEYS[node.type];
    if (!keys) return;
    const method = t.isMethod(node);
    for (const key of keys) {
      const value = (node as unknown as Record<string, unknown>)[key];
      if (!value) continue;
      let place = at;
      if (method && (key === "key" || key === "decorators")) place = { ...around, structural: at.structural };
      else if (key === "discriminant" && node.type === "SwitchStatement") place = { ...at, inEffect: around.inEffect };
      if (Array.isArray(value)) {
        for (const child of value) if (child) this.visit(child as t.Node, node, parent, place);
      } else if (typeof (value as t.Node).type === "string") {
        this.visit(value as t.Node, node, parent, place);
      }
    }
  }

  private visit(node: t.Node, parent: t.Node, grandparent: t.Node | undefined, place: Place): void {
    if (node.type === "TSTypeAnnotation") {
      this.module.record(node, parent, undefined, undefined);
      return; // Babel's crawl skips type annotations
    }
    let inside = place;
    let scope: Scope | undefined;
    if (t.isScope(node, parent)) {
      scope = new Scope(node, place.nesting, this.module);
      inside = { inEffect: scope, nesting: scope, structural: scope };
    }
    this.module.record(node, parent, scope, place.inEffect !== place.structural ? place.inEffect : undefined);
    this.enter(node, parent, grandparent, inside.inEffect);
    this.children(node, parent, inside, place);
    if (t.isExportDeclaration(node) && node.type !== "ExportAllDeclaration")
      this.exportReferences(node, inside.inEffect);
  }

  /** Babel's `collectorVisitor`, in its order. */
  private enter(node: t.Node, parent: t.Node, grandparent: t.Node | undefined, scope: Scope): void {
    switch (node.type) {
      case "ForStatement":
        if (node.init && t.isVar(node.init)) this.register(scope.functionParent(), "var", node.init);
        break;
      case "ImportDeclaration":
      case "TSImportEqualsDeclaration":
        this.declare(scope.blockParent(), node);
        break;
      case "Identifier":
      case "JSXIdentifier":
        if (isReferencedIdentifier(node, parent, grandparent)) this.references.push([node, scope]);
        return;
      case "ForInStatement":
      case "ForOfStatement":
        if (t.isPattern(node.left) || node.left.type === "Identifier") this.violations.push([node, scope]);
        else if (t.isVar(node.left)) this.register(scope.functionParent(), "var", node.left);
        break;
      case "AssignmentExpression":
        this.assignments.push([node, scope]);
        return;
      case "UpdateExpression":
        this.violations.push([node, scope]);
        return;
      case "UnaryExpression":
        if (node.operator === "delete") this.violations.push([node, scope]);
        return;
      case "CatchClause":
        this.register(scope, "let", node);
        return;
      case "ClassExpression":
        if (node.id) this.register(scope, "local", node.id, node);
        return;
    }
    // `Declaration`: `var`, TypeScript declarations (imports and exports are handled apart).
    if (
      t.isDeclaration(node) &&
      !t.isBlockScoped(node) &&
      node.type !== "ImportDeclaration" &&
      !t.isExportDeclaration(node)
    ) {
      this.declare(scope.functionParent(), node);
    }
    // `BlockScoped`: `let`, `const`, classes and function declarations.
    if (t.isBlockScoped(node)) {
      const around = this.module.ownScope(node) === scope ? scope.parent! : scope;
      this.declare(around.blockParent(), node);
      if (node.type === "ClassDeclaration" && node.id) {
        // The class body sees the class's own binding.
        const binding = scope.parent!.getBinding(node.id.name);
        if (binding) scope.bindings.set(node.id.name, binding);
      }
    }
    if (t.isFunction(node)) {
      for (const param of node.params) this.register(scope, "param", param);
      if (node.type === "FunctionExpression" && node.id) this.register(scope, "local", node.id, node);
    }
  }

  /** Babel's `registerDeclaration`. */
  private declare(scope: Scope, node: t.Node): void {
    switch (node.type) {
      case "LabeledStatement":
        return; // a label, not a binding
      case "FunctionDeclaration":
        if (node.id) this.register(scope, "hoisted", node.id, node);
        return;
      case "VariableDeclaration":
        for (const declarator of node.declarations) {
          this.register(scope, node.kind === "using" || node.kind === "await using" ? "const" : node.kind, declarator);
        }
        return;
      case "ClassDeclaration":
        if (!node.declare) this.register(scope, "let", node);
        return;
      case "ImportDeclaration": {
        const typeOnly = node.importKind === "type" || node.importKind === "typeof";
        for (const specifier of node.specifiers) {
          const typeSpecifier =
            typeOnly ||
            (specifier.type === "ImportSpecifier" &&
              (specifier.importKind === "type" || specifier.importKind === "typeof"));
          this.register(scope, typeSpecifier ? "unknown" : "module", specifier);
        }
        return;
      }
      default:
        this.register(scope, "unknown", node);
    }
  }

  /** Babel's `registerBinding`: each name `node` binds, a new binding or a redeclaration of one. */
  private register(scope: Scope, kind: BindingKind, node: t.Node, declaration: t.Node = node): void {
    if (node.type === "VariableDeclaration") {
      for (const declarator of node.declarations) this.register(scope, kind, declarator);
      return;
    }
    const ids = t.getOuterBindingIdentifiers(node, true);
    for (const name of Object.keys(ids)) {
      for (const id of ids[name]!) {
        const local = scope.bindings.get(name);
        if (!local) {
          const binding = new Binding(id, declaration, kind, scope);
          scope.bindings.set(name, binding);
          if (kind === "var" || kind === "hoisted") this.declaredInLoops.push(binding);
          continue;
        }
        // A redeclaration the language allows (`var x; var x;`): the parser has refused the others.
        if (local.identifier !== id) local.reassign(declaration);
      }
    }
  }

  /** `export function f`, `export const x`: Babel counts the export as a reference of each name. */
  private exportReferences(node: t.ExportNamedDeclaration | t.ExportDefaultDeclaration, scope: Scope): void {
    const declaration = node.declaration;
    if (declaration?.type === "ClassDeclaration" || declaration?.type === "FunctionDeclaration") {
      if (declaration.id) scope.getBinding(declaration.id.name)?.reference(node);
    } else if (declaration?.type === "VariableDeclaration") {
      for (const declarator of declaration.declarations) {
        for (const name of Object.keys(t.getBindingIdentifiers(declarator))) scope.getBinding(name)?.reference(node);
      }
    }
  }

  /**
   * Babel's `isInitInLoop`: a `var` with an initializer or a function in a
   * loop's body, or the variable of `for (var x of …)`, within the same function.
   */
  private isInitInLoop(node: t.Node): boolean {
    const hasInit = node.type !== "VariableDeclarator" || node.init != null;
    for (
      let child = node, parent = this.module.parentOf(node);
      parent;
      child = parent, parent = this.module.parentOf(parent)
    ) {
      if (t.isFunctionParent(parent)) return false;
      if (t.isForXStatement(parent) && parent.left === child) return true;
      if (hasInit && t.isLoop(parent) && parent.body === child) return true;
    }
    return false;
  }

  private reassign(node: t.Node, scope: Scope): void {
    for (const name of Object.keys(t.getAssignmentIdentifiers(node))) scope.getBinding(name)?.reassign(node);
  }
}

/** Babel's `ReferencedIdentifier`, less what its collector leaves out (`A.B`'s `B`, `import x = A.B`). */
function isReferencedIdentifier(
  node: t.Identifier | t.JSXIdentifier,
  parent: t.Node,
  grandparent: t.Node | undefined,
): boolean {
  if (node.type === "JSXIdentifier" && parent.type !== "JSXMemberExpression" && t.react.isCompatTag(node.name))
    return false;
  if (!t.isReferenced(node, parent, grandparent)) return false;
  if (parent.type === "TSQualifiedName" && parent.right === node) return false;
  return parent.type !== "TSImportEqualsDeclaration";
}

const scopesOfAst = new WeakMap<t.Node, ModuleScopes>();

/** The scopes of a parsed module (or a program), computed once per syntax tree. */
export function scopesOf(ast: t.File | t.Program): ModuleScopes {
  const program = ast.type === "File" ? ast.program : ast;
  let scopes = scopesOfAst.get(program);
  if (!scopes) {
    scopes = new Crawl(program).run();
    scopesOfAst.set(program, scopes);
  }
  return scopes;
}
