/**
 * How the dependency graph names what it reaches: the key of each target
 * (a node's identity in the module graph), the labels `deps` lists, and the
 * tokens for what is not a project declaration (a package, a built-in, an
 * unresolved or unparseable module, a missing export).
 */
import path from "node:path";
import * as t from "@babel/types";
import { isPathSpecifier, type ModuleRecord, type Resolution } from "../modules/index.js";
import { stripQuery, unwrap } from "../syntax/index.js";
import { SHOWN } from "./reach.js";
import { FUNCTION_OR_CLASS, type Target } from "./targets.js";

/** The node key of a target: declarations by file and offsets, tokens by what they stand for. */
export function keyOf(target: Target): string {
  switch (target.kind) {
    case "declaration": {
      const node = target.node;
      return `declaration:${target.record.path}:${node.start}:${node.end}:${node.type}`;
    }
    case "param":
      return `param:${target.record.path}:${target.binding.identifier.start}:${target.binding.identifier.name}`;
    case "namespace":
      return `namespace:${target.record.path}`;
    case "asset":
      return `asset:${target.record.path}`;
    case "choice":
      return target.key;
    case "token":
      return `token:${target.token}\0${target.label ?? ""}`;
  }
}

/** How `deps` names a declaration: `helper f`, `class C`, `variable x`, `enum E`, ... */
export function declarationLabel(node: t.Node): string {
  switch (node.type) {
    case "FunctionDeclaration":
    case "FunctionExpression":
      return `helper ${node.id?.name ?? "default"}`;
    case "ArrowFunctionExpression":
      return "helper default";
    case "ClassDeclaration":
    case "ClassExpression":
      return `class ${node.id?.name ?? "default"}`;
    case "TSEnumDeclaration":
      return `enum ${node.id.name}`;
    case "TSModuleDeclaration":
      return `namespace ${node.id.type === "Identifier" ? node.id.name : node.id.value}`;
    case "VariableDeclarator": {
      const names = Object.keys(t.getBindingIdentifiers(node.id)).join(", ");
      const init = unwrap(node.init);
      if (init?.type === "ClassExpression") return `class ${names}`;
      return init && FUNCTION_OR_CLASS.has(init.type) ? `helper ${names}` : `variable ${names}`;
    }
    case "Program":
      return "module";
    default:
      return "default export";
  }
}

/** Labels and tokens of one project's modules (paths shown relative to its root). */
export class Labels {
  constructor(private readonly root: string) {}

  relative(file: string): string {
    return path.relative(this.root, stripQuery(file)).split(path.sep).join("/");
  }

  unresolved(record: ModuleRecord, specifier: string, imported: string): Target {
    return {
      kind: "token",
      token: `unresolved ${JSON.stringify(specifier)} ${imported}`,
      label: `unresolved ${specifier} (${this.relative(record.path)})`,
      shown: "unresolved",
      data: isPathSpecifier(specifier),
    };
  }

  /** A package, a built-in or an unresolved specifier as a token. */
  external(record: ModuleRecord, resolution: Resolution, specifier: string, imported: string): Target {
    switch (resolution.kind) {
      case "builtin":
        return {
          kind: "token",
          token: `builtin ${resolution.name} ${imported}`,
          label: resolution.name,
          shown: "builtin",
          data: false,
        };
      case "package":
        return {
          kind: "token",
          token: `package ${resolution.name}@${resolution.version} ${JSON.stringify(specifier)} ${imported}`,
          label: `package ${resolution.name}`,
          shown: resolution.version,
          data: false,
        };
      default:
        return this.unresolved(record, specifier, imported);
    }
  }

  /** A module as a whole: its namespace, its bytes (not code), or a token when it does not parse. */
  namespaceOf(record: ModuleRecord): Target {
    if (record.kind === "unparseable") return this.unparseable(record);
    if (record.kind === "asset") return { kind: "asset", record };
    return { kind: "namespace", record };
  }

  unparseable(record: ModuleRecord): Target {
    return {
      kind: "token",
      token: `unparseable ${record.contentHash}`,
      label: `unparseable (${this.relative(record.path)})`,
      shown: record.contentHash.slice(0, SHOWN),
      data: true,
      unparseable: record.path,
    };
  }

  /** An import of a name the module does not export. */
  missingExport(record: ModuleRecord, name: string): Target {
    return {
      kind: "token",
      token: `missing export ${JSON.stringify(name)}`,
      label: `missing export ${name} (${this.relative(record.path)})`,
      shown: "missing",
      data: true,
    };
  }
}
