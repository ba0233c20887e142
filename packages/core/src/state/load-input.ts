/**
 * Whether module data is made at load from a run-time input: an environment
 * variable, the working directory, a file, the clock, randomness, an awaited
 * value, or a function call that may read any of them
 * (`const cfg = JSON.parse(readFileSync("cfg.json", "utf8"))`,
 * `const unit = process.env.UNIT ?? "m"`, `os.hostname()`,
 * `createClient({ baseURL: process.env.API })`, `const cfg = load()` of a
 * function of the module that reads one). A function of another project
 * module or of a package called at load is not looked into (it is not in
 * view here): only its arguments count.
 * Such data never changes after load, yet differs from one process to the
 * next while the code stays the same: it counts by value (module state),
 * never by its code alone (`module-state.ts`).
 *
 * What is not an input: literals and what is computed from them and from
 * other module bindings (those count through their own nodes), the pure
 * built-ins (`JSON.parse`, `Object.freeze`, `new Map(…)`, `Math.max`), methods
 * called on such data (`NAMES.map(…)`), and where the module's own code is
 * (`import.meta.url`, `__dirname`, `path.join`, `fileURLToPath`): a value
 * fixed by the checkout, whose files count by their contents elsewhere.
 */
import * as t from "@babel/types";
import {
  type Binding,
  KNOWN_GLOBALS,
  memberName,
  type ModuleScopes,
  TRANSPARENT_WRAPPERS,
  unwrap,
} from "../syntax/index.js";
import { builtinName } from "../modules/index.js";
import { globalCallee, requiredModule } from "./fresh-value.js";
import { runsLater, topStatement } from "./reference-use.js";

/**
 * The known globals (`syntax/known-globals.ts`) read as inputs: the process
 * (its environment, arguments, working directory), the network, the clock's
 * and randomness's doors, the locale, timers, and the global object itself.
 */
const INPUT_GLOBALS: ReadonlySet<string> = new Set([
  "process",
  "fetch",
  "performance",
  "crypto",
  "globalThis",
  "Intl",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
]);

/** Globals whose value is fixed by the language or the module's place (reading them reads no input). */
const FIXED_GLOBALS: ReadonlySet<string> = new Set([
  ...[...KNOWN_GLOBALS].filter((name) => !INPUT_GLOBALS.has(name)),
  "__dirname",
  "__filename",
]);

/** Calls of fixed globals whose result is an input all the same. */
const INPUT_CALLS: ReadonlySet<string> = new Set(["Math.random", "Date.now", "Date", "performance.now"]);

/** Functions of Node's modules that compute from their arguments alone (not `path.resolve`: it reads the working directory). */
const PURE_IMPORTS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["path", new Set(["join", "dirname", "basename", "extname", "normalize", "isAbsolute", "parse", "format", "sep"])],
  ["url", new Set(["fileURLToPath", "URL", "URLSearchParams"])],
]);

/** `import.meta.url` and its kin: where the module's code is. */
const LOCATION_META: ReadonlySet<string> = new Set(["url", "dirname", "filename"]);

/** Whether the data of module binding `binding` is made at load from a run-time input (see above). */
export function madeFromInput(binding: Binding, scopes: ModuleScopes): boolean {
  const declarator = binding.node;
  if (declarator.type === "VariableDeclarator" && declarator.init && readsInput(declarator.init, scopes)) return true;
  // Assigned at load (`unit = process.env.UNIT`, or `impl = fast` under `if (process.env.FAST)`): the whole statement.
  return binding.violations.some((violation) => {
    if (violation === declarator || runsLater(violation, scopes)) return false;
    const statement = topStatement(violation, scopes);
    return statement !== undefined && readsInput(statement, scopes);
  });
}

function readsInput(node: t.Node, scopes: ModuleScopes): boolean {
  switch (node.type) {
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "ClassExpression":
    case "FunctionDeclaration":
    case "ClassDeclaration":
    case "ObjectMethod":
    case "ClassMethod":
    case "ClassPrivateMethod":
      // Code: runs later, if ever (a call of it is an input, below).
      return false;
    case "AwaitExpression":
    case "YieldExpression":
      return true;
    case "MetaProperty":
      return false; // `import.meta` itself; its members below
    case "Identifier":
      return scopes.scopeAt(node).getBinding(node.name) === undefined && !FIXED_GLOBALS.has(node.name);
    case "MemberExpression":
    case "OptionalMemberExpression": {
      const object = unwrap(node.object);
      if (object.type === "MetaProperty") return !LOCATION_META.has(memberName(node) ?? "");
      return readsInput(node.object, scopes) || (node.computed && readsInput(node.property, scopes));
    }
    case "CallExpression":
    case "OptionalCallExpression":
    case "NewExpression":
      // `require("./rows.json")`: the module counts by its code or bytes (the graph's own node).
      if (requiredModule(node, scopes) !== undefined) return false;
      return callReadsInput(node.callee, node.arguments, scopes);
    case "TaggedTemplateExpression":
      return true;
    default:
      return childrenReadInput(node, scopes);
  }
}

function callReadsInput(callee: t.Node, args: ReadonlyArray<t.Node>, scopes: ModuleScopes): boolean {
  const argsRead = () => args.some((arg) => readsInput(arg, scopes));
  const global = globalCallee(callee, scopes);
  if (global !== undefined) {
    // `new Date()` is the clock; `new Date(2020, 0)` is not.
    if (global === "Date" && args.length > 0) return argsRead();
    if (INPUT_CALLS.has(global)) return true;
    return !FIXED_GLOBALS.has(global.split(".")[0]!) || argsRead();
  }
  const target = unwrap(callee);
  const root = rootIdentifier(target);
  const binding = root && scopes.scopeAt(root).getBinding(root.name);
  if (root && binding) {
    switch (importKind(binding, target, scopes)) {
      case "pure":
        return argsRead();
      case "input":
        return true;
      case "opaque":
        // A function of another module or a package: its body is not in view here (docs/keys.md says so).
        return argsRead();
      default:
    }
    // A function of this module: what its body reads when called at load.
    if (isCodeBinding(binding)) return functionReadsInput(binding, scopes) || argsRead();
    // A method of module data (`NAMES.map(…)`): computed from that data, which counts by itself.
    if (target.type === "MemberExpression" || target.type === "OptionalMemberExpression") return argsRead();
    return true;
  }
  // A method of a literal or of a value computed here (`"a,b".split(",")`, `[…].map(…)`).
  if (target.type === "MemberExpression" || target.type === "OptionalMemberExpression")
    return readsInput(target.object, scopes) || argsRead();
  return true;
}

const functionVerdicts = new WeakMap<Binding, boolean>();

/**
 * Whether a function (or class) of the module reads a run-time input when
 * called: its body, without the functions nested in it (they run later, if
 * ever), and the module's functions it calls in turn.
 */
function functionReadsInput(binding: Binding, scopes: ModuleScopes): boolean {
  const known = functionVerdicts.get(binding);
  if (known !== undefined) return known;
  // Recursion reads nothing new.
  functionVerdicts.set(binding, false);
  const node = binding.node;
  const fn = node.type === "VariableDeclarator" && node.init ? unwrap(node.init) : node;
  let verdict: boolean;
  if (fn.type === "ClassDeclaration" || fn.type === "ClassExpression") verdict = childrenReadInput(fn.body, scopes);
  else if (t.isFunction(fn)) verdict = childrenReadInput(fn.body, scopes);
  else verdict = true;
  functionVerdicts.set(binding, verdict);
  return verdict;
}

/**
 * What calling through an import does (`import { join } from "node:path"`,
 * `const fs = require("fs")`): of Node's own modules, `pure` for the
 * functions of `path` and `url` that compute from their arguments, `input`
 * for the rest (files, the environment, the clock, the network); `opaque`
 * for another module of the project or a package (a path alias cannot be
 * told from a package here, and a factory of either may return closures
 * that would make every call unkeyable: only their arguments count);
 * undefined for a binding that is no import.
 */
function importKind(binding: Binding, callee: t.Node, scopes: ModuleScopes): "pure" | "input" | "opaque" | undefined {
  const node = binding.node;
  const statement = scopes.parentOf(node);
  let source: string | undefined;
  let imported: string | undefined;
  if (statement?.type === "ImportDeclaration") {
    source = statement.source.value;
    if (node.type === "ImportSpecifier") imported = t.isIdentifier(node.imported) ? node.imported.name : "";
  } else if (node.type === "VariableDeclarator") {
    source = requiredModule(node.init, scopes);
    if (node.id.type === "ObjectPattern") imported = binding.identifier.name;
  }
  if (source === undefined) return undefined;
  const builtin = builtinName(source);
  if (builtin === undefined) return "opaque";
  const pure = PURE_IMPORTS.get(builtin.slice("node:".length));
  if (pure === undefined) return "input";
  // `path.join(…)`, `url.fileURLToPath(…)` through a namespace or default import.
  const name = imported ?? (callee.type === "MemberExpression" ? memberName(callee) : undefined);
  return name !== undefined && pure.has(name) ? "pure" : "input";
}

function rootIdentifier(node: t.Node): t.Identifier | undefined {
  let current = node;
  while (current.type === "MemberExpression" || current.type === "OptionalMemberExpression")
    current = unwrap(current.object);
  return current.type === "Identifier" ? current : undefined;
}

/** Functions and classes: code, whose escaping (a callback) is no mutation. */
export function isCodeBinding(binding: Binding): boolean {
  const node = binding.node;
  if (node.type === "FunctionDeclaration" || node.type === "ClassDeclaration") return true;
  if (node.type !== "VariableDeclarator") return false;
  const init = node.init && unwrap(node.init);
  return (
    init?.type === "FunctionExpression" || init?.type === "ArrowFunctionExpression" || init?.type === "ClassExpression"
  );
}

/** Where TypeScript puts types: no value is read there. */
const TYPE_KEYS: ReadonlySet<string> = new Set([
  "typeAnnotation",
  "typeParameters",
  "typeArguments",
  "returnType",
  "superTypeParameters",
]);

function childrenReadInput(node: t.Node, scopes: ModuleScopes): boolean {
  if (TRANSPARENT_WRAPPERS.has(node.type)) return readsInput((node as t.TSAsExpression).expression, scopes);
  for (const key of t.VISITOR_KEYS[node.type] ?? []) {
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (const item of child) if (isNode(item) && readsInput(item, scopes)) return true;
    } else if (isNode(child)) {
      // A property's name is no read (`{ unit: … }`), unless computed; nor is a type.
      if ((key === "key" && !(node as t.ObjectProperty).computed) || key === "id" || TYPE_KEYS.has(key)) continue;
      if (readsInput(child, scopes)) return true;
    }
  }
  return false;
}

function isNode(value: unknown): value is t.Node {
  return typeof value === "object" && value !== null && typeof (value as t.Node).type === "string";
}
