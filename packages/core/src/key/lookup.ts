/**
 * What a name refers to: a binding of the module's scopes (`syntax/scope.ts`), followed through
 * imports, `require`, re-exports and `export *` to the declaration, module,
 * package, built-in or token it stands for (a target of the dependency
 * graph, `targets.ts`). The session walk (`dependencies.ts`) turns targets into
 * nodes; this module only finds them.
 */
import type * as t from "@babel/types";
import { exportedNode, exportTable, isPathSpecifier, type ModuleRecord, type Resolution } from "../modules/index.js";
import { type Binding, exportName, type Scope } from "../syntax/index.js";
import { keyOf, type Labels } from "./labels.js";
import type { NormalizedCode } from "./normalize.js";
import {
  destructuredKey,
  type Edge,
  findTypeScriptDeclaration,
  GLOBAL_OBJECTS,
  isFunctionOrClass,
  requiredSpecifier,
  type Target,
  type Trail,
  type Usage,
  WHOLE,
} from "./targets.js";

/** What a lookup needs from the session: its reads and resolutions (each once per transform). */
export interface LookupContext {
  load(file: string, trail: Trail): Promise<ModuleRecord | null>;
  resolve(specifier: string, importer: string): Promise<Resolution>;
}

export class NameLookup {
  constructor(
    private readonly context: LookupContext,
    private readonly labels: Labels,
  ) {}

  /**
   * The edges of a piece of code: each free name, resolved from `scope`
   * (globals have none), and each module it loads with `import("...")` or
   * `require("...")` (the whole module).
   */
  async edgesOf(
    record: ModuleRecord,
    scope: Scope,
    code: NormalizedCode,
    trail: Trail,
    globals?: Set<string>,
  ): Promise<Edge[]> {
    const edges = await Promise.all([
      ...code.freeNames.map((name): Edge[] | Promise<Edge[]> => {
        const binding = scope.getBinding(name);
        if (!binding) {
          const declaration = findTypeScriptDeclaration(scope, name);
          if (!declaration) {
            globals?.add(name);
            // `globalThis.factor` reads the global `factor`.
            if (GLOBAL_OBJECTS.has(name)) for (const member of code.members.get(name) ?? []) globals?.add(member);
          }
          return declaration
            ? [
                {
                  name,
                  target: { kind: "declaration", record, node: declaration, scopes: scope.module },
                  value: "static",
                },
              ]
            : [];
        }
        const usage: Usage = { members: code.members.get(name) ?? [], whole: code.wholeNames.has(name) };
        return this.bindingEdges(record, binding, name, usage, new Set(), trail);
      }),
      ...code.moduleRequests.map(async (specifier): Promise<Edge[]> => [
        {
          name: `import(${JSON.stringify(specifier)})`,
          target: await this.moduleTarget(record, specifier, trail),
          value: "static",
        },
      ]),
    ]);
    return edges.flat();
  }

  async bindingEdges(
    record: ModuleRecord,
    binding: Binding,
    name: string,
    usage: Usage,
    seen: ReadonlySet<string>,
    trail: Trail,
  ): Promise<Edge[]> {
    const node = binding.node;
    const scopes = binding.scope.module;
    const declaration = { kind: "declaration" as const, record, node, scopes };
    if (binding.kind === "param")
      return [{ name, target: { kind: "param", record, binding }, value: "value", binding }];

    if (
      node.type === "ImportSpecifier" ||
      node.type === "ImportDefaultSpecifier" ||
      node.type === "ImportNamespaceSpecifier"
    ) {
      const statement = scopes.parentOf(node) as t.ImportDeclaration;
      const typeOnly = (kind: string | null | undefined) => kind === "type" || kind === "typeof";
      if (typeOnly(statement.importKind) || (node.type === "ImportSpecifier" && typeOnly(node.importKind))) return [];
      const imported =
        node.type === "ImportSpecifier"
          ? exportName(node.imported)
          : node.type === "ImportDefaultSpecifier"
            ? "default"
            : "*";
      return this.importEdges(record, statement.source.value, imported, name, usage, seen, trail);
    }

    if (node.type === "VariableDeclarator") {
      const statement = scopes.parentOf(node) as t.VariableDeclaration;
      if (statement.declare) return []; // ambient: no value in this module
      const required = requiredSpecifier(node.init);
      if (required !== undefined && binding.scope.isProgram) {
        if (node.id.type === "Identifier") return this.importEdges(record, required, "*", name, usage, seen, trail);
        const key = destructuredKey(node.id, name);
        if (key !== undefined) return this.importEdges(record, required, key, name, WHOLE, seen, trail);
      }
      const staticOnly = statement.kind === "const" && isFunctionOrClass(node.init);
      return [{ name, target: declaration, value: staticOnly ? "static" : "value", binding }];
    }

    if (
      node.type === "FunctionDeclaration" ||
      node.type === "ClassDeclaration" ||
      node.type === "FunctionExpression" ||
      node.type === "ClassExpression" ||
      node.type === "ArrowFunctionExpression"
    ) {
      return [{ name, target: declaration, value: "static" }];
    }

    if (node.type === "TSImportEqualsDeclaration") {
      if (node.importKind === "type") return [];
      const reference = node.moduleReference;
      if (reference.type === "TSExternalModuleReference") {
        return this.importEdges(record, reference.expression.value, "*", name, usage, seen, trail);
      }
      return [{ name, target: declaration, value: "static" }];
    }

    // A catch parameter, a binding without a declarator: a value of the enclosing scope.
    return [{ name, target: { kind: "param", record, binding }, value: "value", binding }];
  }

  private async importEdges(
    record: ModuleRecord,
    specifier: string,
    imported: string,
    name: string,
    usage: Usage,
    seen: ReadonlySet<string>,
    trail: Trail,
  ): Promise<Edge[]> {
    const resolution = await this.context.resolve(specifier, record.path);
    if (resolution.kind !== "file") {
      const target = this.labels.external(record, resolution, specifier, imported);
      // An unresolved path is a project module we cannot read: keyed by value. An
      // unresolved bare name is most likely a package that is not installed: not.
      const value = resolution.kind === "unresolved" && isPathSpecifier(specifier) ? "if-data" : "static";
      return [{ name, target, value }];
    }
    const module = await this.context.load(resolution.path, trail);
    if (!module) return [{ name, target: this.labels.unresolved(record, specifier, imported), value: "if-data" }];
    if (imported !== "*")
      return [{ name, target: await this.findExport(module, imported, seen, trail), value: "if-data" }];
    // A namespace import: `h.foo` reaches only `foo`; any other use reaches the whole module.
    const edges: Edge[] = [];
    for (const member of usage.members) {
      edges.push({
        name: `${name}.${member}`,
        target: await this.findExport(module, member, seen, trail),
        value: "if-data",
      });
    }
    if (usage.whole || usage.members.length === 0)
      edges.push({ name, target: this.labels.namespaceOf(module), value: "static" });
    return edges;
  }

  /** What `import ... from source` in `record` reaches as a whole. */
  async moduleTarget(record: ModuleRecord, source: string, trail: Trail): Promise<Target> {
    const resolution = await this.context.resolve(source, record.path);
    if (resolution.kind !== "file") return this.labels.external(record, resolution, source, "*");
    const module = await this.context.load(resolution.path, trail);
    return module ? this.labels.namespaceOf(module) : this.labels.unresolved(record, source, "*");
  }

  async findExport(record: ModuleRecord, name: string, seen: ReadonlySet<string>, trail: Trail): Promise<Target> {
    return (await this.findExportIn(record, name, seen, trail)) ?? this.labels.missingExport(record, name);
  }

  /**
   * The declaration behind export `name` of a module, following
   * `export { x as y } from`, `export *` (own exports first; several
   * candidates are all kept), `export default`, and imports re-exported.
   * Undefined when the module has no such export.
   */
  private async findExportIn(
    record: ModuleRecord,
    name: string,
    seenBefore: ReadonlySet<string>,
    trail: Trail,
  ): Promise<Target | undefined> {
    if (record.kind !== "module") return this.labels.namespaceOf(record);
    const table = exportTable(record);
    if (!table.esm) return this.labels.namespaceOf(record); // CommonJS: the whole module
    const visit = `${record.path}\0${name}`;
    if (seenBefore.has(visit)) return undefined; // a cycle of re-exports leads nowhere
    const seen = new Set(seenBefore).add(visit);

    const entry = table.named.get(name);
    if (entry) {
      switch (entry.kind) {
        case "node":
          return { kind: "declaration", record, node: exportedNode(record, entry.index), scopes: record.scopes! };
        case "local": {
          const scope = record.scopes!.program;
          const binding = scope.getBinding(entry.name);
          if (!binding) {
            const declaration = findTypeScriptDeclaration(scope, entry.name);
            return declaration ? { kind: "declaration", record, node: declaration, scopes: record.scopes! } : undefined;
          }
          const edges = await this.bindingEdges(record, binding, entry.name, WHOLE, seen, trail);
          return edges[0]?.target;
        }
        case "reexport": {
          const resolution = await this.context.resolve(entry.source, record.path);
          if (resolution.kind !== "file") return this.labels.external(record, resolution, entry.source, entry.imported);
          const module = await this.context.load(resolution.path, trail);
          if (!module) return this.labels.unresolved(record, entry.source, entry.imported);
          return entry.imported === "*"
            ? this.labels.namespaceOf(module)
            : this.findExportIn(module, entry.imported, seen, trail);
        }
      }
    }
    if (name === "default") return undefined; // `export *` never re-exports a default

    const candidates: Target[] = [];
    const externals: Target[] = [];
    for (const source of table.stars) {
      const resolution = await this.context.resolve(source, record.path);
      if (resolution.kind !== "file") {
        externals.push(this.labels.external(record, resolution, source, name));
        continue;
      }
      const module = await this.context.load(resolution.path, trail);
      if (!module) continue;
      const found = await this.findExportIn(module, name, seen, trail);
      if (found) candidates.push(found);
    }
    const unique = new Map<string, Target>();
    for (const candidate of candidates.length > 0 ? candidates : externals) unique.set(keyOf(candidate), candidate);
    if (unique.size <= 1) return [...unique.values()][0];
    // Keyed (and ordered) by the candidates themselves: the same choice whichever lookup found it.
    const keys = [...unique.keys()].sort();
    return { kind: "choice", key: `choice:${keys.join("|")}`, targets: keys.map((key) => unique.get(key)!) };
  }
}
