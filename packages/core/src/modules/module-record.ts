/**
 * A file as the build reads it: a parsed module, another kind of file, or one
 * that does not parse; and the table of what a module exports.
 */
import * as t from "@babel/types";
import { exportName, type ModuleScopes, scopesOf, sha256 } from "../syntax/index.js";
import type { FileSystemCache } from "./files.js";

/** Files parsed as JavaScript or TypeScript; any other file a project imports is hashed by its bytes. */
export const CODE_FILE = /\.(?:[cm]?[jt]sx?)$/i;

/** One export of a module, before following it. */
export type ExportEntry =
  /** A binding of the module (`export function f`, `export { a as b }`, `export default name`). */
  | { kind: "local"; name: string }
  /** `export default <anonymous function, class or expression>`: statement `index` of the program. */
  | { kind: "node"; index: number }
  /** `export { x as y } from "./m"`, `export * as ns from "./m"` (`imported: "*"`). */
  | { kind: "reexport"; source: string; imported: string };

export interface ExportTable {
  named: Map<string, ExportEntry>;
  /** Sources of `export * from "..."`, in order. */
  stars: string[];
  /** Whether the module has any ESM export syntax (else a CommonJS module, taken as a whole). */
  esm: boolean;
}

/** A file the graph has read: a parsed module, another kind of file, or one that does not parse. */
export interface ModuleRecord {
  /** Absolute path. */
  path: string;
  kind: "module" | "asset" | "unparseable";
  /** sha256 of the file's bytes. */
  contentHash: string;
  /** The parsed file (kind `module`). */
  ast: t.File | undefined;
  /**
   * The module's scopes (kind `module`), found on first use: a module only
   * searched for its exports (a barrel) is never walked.
   */
  readonly scopes: ModuleScopes | undefined;
  /** Filled on first use. */
  exportTable?: ExportTable;
}

/**
 * What reads project modules for the analyses above the graph (the outside
 * check): the build's module cache, without depending on it.
 */
export interface ModuleLoader {
  readonly files: FileSystemCache;
  /** A file's record; null when it cannot be read. */
  load(file: string, reread: boolean): Promise<ModuleRecord | null>;
}

export function moduleRecord(file: string, content: string, ast: t.File): ModuleRecord {
  return {
    path: file,
    kind: "module",
    contentHash: sha256(content),
    ast,
    get scopes() {
      return scopesOf(ast);
    },
  };
}

export function assetRecord(file: string, contentHash: string): ModuleRecord {
  return { path: file, kind: "asset", contentHash, ast: undefined, scopes: undefined };
}

/** A code file that does not parse: known by its content hash only. */
export function unparseableRecord(file: string, content: string): ModuleRecord {
  return { path: file, kind: "unparseable", contentHash: sha256(content), ast: undefined, scopes: undefined };
}

// `export default interface X {}` and overloads: nothing at run time.
const TYPE_ONLY_DEFAULT = new Set(["TSInterfaceDeclaration", "TSDeclareFunction"]);

/** The module's exports, read once from its syntax (no scopes needed). Type-only exports are left out. */
export function exportTable(record: ModuleRecord): ExportTable {
  if (record.exportTable) return record.exportTable;
  const table: ExportTable = { named: new Map(), stars: [], esm: false };
  record.ast?.program.body.forEach((statement, index) => {
    if (statement.type === "ExportAllDeclaration") {
      table.esm = true;
      if (statement.exportKind !== "type") table.stars.push(statement.source.value);
    } else if (statement.type === "ExportNamedDeclaration") {
      table.esm = true;
      if (statement.exportKind === "type") return;
      const source = statement.source?.value;
      const declaration = statement.declaration;
      if (declaration && !(declaration as { declare?: boolean }).declare) {
        for (const name of declaredNames(declaration)) table.named.set(name, { kind: "local", name });
      }
      for (const specifier of statement.specifiers) {
        if (specifier.type === "ExportSpecifier" && specifier.exportKind === "type") continue;
        const exported = specifier.type === "ExportDefaultSpecifier" ? "default" : exportName(specifier.exported);
        if (specifier.type === "ExportNamespaceSpecifier") {
          if (source !== undefined) table.named.set(exported, { kind: "reexport", source, imported: "*" });
        } else if (specifier.type === "ExportDefaultSpecifier") {
          if (source !== undefined) table.named.set(exported, { kind: "reexport", source, imported: "default" });
        } else if (source !== undefined) {
          table.named.set(exported, { kind: "reexport", source, imported: exportName(specifier.local) });
        } else {
          table.named.set(exported, { kind: "local", name: exportName(specifier.local) });
        }
      }
    } else if (statement.type === "ExportDefaultDeclaration") {
      table.esm = true;
      const node = statement.declaration;
      if (node.type === "Identifier") table.named.set("default", { kind: "local", name: node.name });
      else if ((node.type === "FunctionDeclaration" || node.type === "ClassDeclaration") && node.id) {
        table.named.set("default", { kind: "local", name: node.id.name });
      } else if (!TYPE_ONLY_DEFAULT.has(node.type)) {
        table.named.set("default", { kind: "node", index });
      }
    }
  });
  record.exportTable = table;
  return table;
}

/** The expression of `export default <expression>` (statement `index`). */
export function exportedNode(record: ModuleRecord, index: number): t.Node {
  return (record.ast!.program.body[index] as t.ExportDefaultDeclaration).declaration;
}

/** Names a declaration statement binds at run time. */
function declaredNames(declaration: t.Declaration): string[] {
  switch (declaration.type) {
    case "FunctionDeclaration":
    case "ClassDeclaration":
    case "TSEnumDeclaration":
      return declaration.id ? [declaration.id.name] : [];
    case "TSModuleDeclaration":
      return declaration.id.type === "Identifier" ? [declaration.id.name] : [];
    case "VariableDeclaration":
      return declaration.declarations.flatMap((declarator) => Object.keys(t.getBindingIdentifiers(declarator.id)));
    default:
      return []; // interfaces, type aliases, declare ...
  }
}
