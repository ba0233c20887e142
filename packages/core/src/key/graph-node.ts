/**
 * The dependency graph's nodes (see `dependencies.ts`) and the cached facts
 * of module-level declarations they are built from.
 */
import type * as t from "@babel/types";
import type { ModuleRecord } from "../modules/index.js";
import type { UnknowableConstruct } from "../state/index.js";
import { type Binding, type ModuleScopes, sha256 } from "../syntax/index.js";
import { normalizeDeclaration, type NormalizedCode } from "./normalize.js";

/** A declaration as the key sees it: its normalized code and own hash, computed once per module content. */
export interface DeclarationInfo {
  code: NormalizedCode;
  /** sha256 of the normalized code: the declaration's own hash, without what it reaches. */
  own: string;
}

/** A module-level binding whose value changes after load, in an absolute file. */
export interface StateBinding {
  file: string;
  name: string;
  /** Its declaration refers to packages only (`new Client(…)` of a package): a package's object (`madeByPackage`). */
  package?: boolean;
  /** Its data is proven never to change after load (`state/unchanging-data.ts`): keyed once per process. */
  unchanging?: boolean;
  /** Fixed after load, made from a run-time input (`state/load-input.ts`): state only for the helpers that read it. */
  input?: boolean;
}

/** A changing binding a node declares, with the offsets of its module's references that read it. */
export interface DeclaredState extends StateBinding {
  reads: readonly number[];
}

/**
 * A node of the dependency graph (see `dependencies.ts`): a declaration, a module
 * namespace, a file, a package or other token, with what its code refers to.
 */
export interface GraphNode {
  key: string;
  /** sha256 of the node's own content (its normalized code, a version, a token). */
  own: string;
  /** `[name, target key]`: what the node's code refers to by that name. */
  edges: Array<[string, string]>;
  /** How `deps` lists it; undefined for nodes not listed (parameters). */
  label: string | undefined;
  /** The hash `deps` shows for it (a short own hash, a version). */
  shown: string;
  /** The project files its edges were read from (re-export chains included). */
  files: Set<string>;
  /** Closure variables of enclosing functions its code reads (local nodes only). */
  closures: Array<{ name: string; binding: Binding }>;
  /** Module-level bindings it declares that change after load: counted by value at call time. */
  state: DeclaredState[];
  /** Names searched in the project to tell whether its exported data is mutated elsewhere (`state/outside-mutation.ts`). */
  outside?: string[];
  /** Module-level code: its file and the spans of its code (declaration and load-time statements). */
  spans?: { file: string; ranges: Array<[number, number]> };
  /** `eval`, `new Function`, computed namespace access in its code or its load-time statements. */
  unknowable: Array<UnknowableConstruct & { file: string }>;
  /** Globals its code reads. */
  globals: string[];
  /** Its code may read a typed array's `buffer` or `byteOffset` (`view-layout.ts`). */
  viewLayout?: boolean;
  /** Globals its module writes. */
  globalWrites: Array<UnknowableConstruct & { file: string }>;
  /** A top-level class declaration: the module declaring it (absolute), which registers it (`class-entries.ts`). */
  classIn?: string;
  /** Where a declaration is (file relative to the root, 1-based line), for `cachephant explain`. */
  where?: { file: string; line: number };
  /** Resolves when `own`, `edges` and the rest are filled in. */
  ready: Promise<void>;
}

// By node: each module content has its own syntax tree, so a node identifies
// the declaration and the content it was read from.
const declarations = new WeakMap<t.Node, DeclarationInfo>();

/**
 * The normalized code and own hash of a declaration (a node of the tree
 * `scopes` was found in), computed once per module content.
 */
export function declarationInfo(record: ModuleRecord, declaration: t.Node, scopes: ModuleScopes): DeclarationInfo {
  let info = declarations.get(declaration);
  if (!info) {
    const code = normalizeDeclaration(declaration, scopes);
    info = { code, own: sha256(`declaration ${code.text}`).slice(0, 32) };
    declarations.set(declaration, info);
  }
  return info;
}
