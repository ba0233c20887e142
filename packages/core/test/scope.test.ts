// The core's own scope analysis (`src/scope.ts`) against Babel's scope crawl,
// binding by binding: the same bindings (kind, declaring identifier and node),
// the same references and the same reassignments, on tricky hand-written code
// and on real code (this repository's sources and packages it installs).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import traverseModule, { type NodePath, type Scope as BabelScope } from "@babel/traverse";
import type * as t from "@babel/types";
import { describe, expect, test } from "vitest";
import { ErrorReporter } from "../src/diagnostics/reporter.js";
import { parseFile } from "../src/syntax/parse.js";
import { forEachChild, scopesOf } from "../src/syntax/index.js";

// @babel/traverse is CommonJS: under Node's ESM interop the function is on `.default`.
const traverse = ((traverseModule as { default?: unknown }).default ?? traverseModule) as typeof traverseModule.default;

/** The program path of a parsed file, with Babel's crawled scopes. */
function programOf(ast: t.File): NodePath<t.Program> {
  let program: NodePath<t.Program> | undefined;
  traverse(ast, {
    Program(path) {
      program = path;
      path.stop();
    },
  });
  return program!;
}

const at = (node: t.Node) => `${node.type}@${node.start}`;
const sorted = (nodes: readonly t.Node[]) => nodes.map(at).sort().join(",");

function describeBinding(
  scopeBlock: t.Node,
  name: string,
  binding: { kind: string; identifier: t.Node; node: t.Node; references: t.Node[]; violations: t.Node[] },
): string {
  return `${at(scopeBlock)} ${name} ${binding.kind} id=${at(binding.identifier)} node=${at(binding.node)} refs=[${sorted(binding.references)}] violations=[${sorted(binding.violations)}]`;
}

/** Every binding of every scope, as Babel's crawl finds them. */
function babelBindings(ast: t.File): string[] {
  const program = programOf(ast);
  const scopes = new Set<BabelScope>([program.scope]);
  program.traverse({
    enter(path) {
      scopes.add(path.scope);
    },
  });
  const found: string[] = [];
  for (const scope of scopes) {
    for (const [name, binding] of Object.entries(scope.bindings)) {
      if (!binding) continue;
      found.push(
        describeBinding(scope.block, name, {
          kind: binding.kind,
          identifier: binding.identifier,
          node: binding.path.node,
          references: binding.referencePaths.map((reference) => reference.node),
          violations: binding.constantViolations.map((violation) => violation.node),
        }),
      );
    }
  }
  return found.sort();
}

/** The same, from the core's own analysis. */
function ownBindings(ast: t.File): string[] {
  const scopes = scopesOf(ast);
  const all = scopes.scopesWithin(ast.program);
  const found: string[] = [];
  for (const scope of all) {
    for (const [name, binding] of scope.bindings) found.push(describeBinding(scope.block, name, binding));
  }
  return found.sort();
}

function parsed(code: string, file: string): t.File {
  return parseFile(code, file, new ErrorReporter(code, file)).ast;
}

/** For each node (outside type annotations), the block of the scope in effect there, as Babel finds it. */
function babelScopesAt(ast: t.File): string[] {
  const found: string[] = [];
  programOf(ast).traverse({
    enter(path) {
      if (path.node.type === "TSTypeAnnotation") return path.skip();
      found.push(`${at(path.node)} in ${at(path.scope.block)}`);
    },
  });
  return found;
}

function ownScopesAt(ast: t.File): string[] {
  const scopes = scopesOf(ast);
  const found: string[] = [];
  const walk = (node: t.Node) =>
    forEachChild(node, (child) => {
      found.push(`${at(child)} in ${at(scopes.scopeAt(child).block)}`);
      walk(child);
    });
  walk(ast.program);
  return found;
}

function compare(code: string, file: string): void {
  expect(ownBindings(parsed(code, file)), file).toEqual(babelBindings(parsed(code, file)));
  expect(ownScopesAt(parsed(code, file)), file).toEqual(babelScopesAt(parsed(code, file)));
}

const TRICKY: Array<[string, string, string]> = [
  [
    "classes: a declaration's own name inside its body, an expression's local name",
    "x.ts",
    `class A { m() { return A; } static s = A; }\nconst B = class C { m() { return C; } };\nexport default class { k = 1 }\nexport class D extends A { [A.name] = 1; #p = 2; get p() { return this.#p; } }`,
  ],
  [
    "functions: hoisting, a named expression, defaults that see the body, redeclarations",
    "x.js",
    `f(); function f(a, b = c, { d, e: [g] = [] }, ...rest) { var c = 1; let h = a; return h + b + d + g + rest.length; }\nvar f;\nfunction f() {}\nconst k = function self(n) { return n ? self(n - 1) : 0; };\nconst arrow = (x, y = x) => x + y;`,
  ],
  [
    "blocks, loops, switch, catch and labels",
    "x.js",
    `let i = 0;\nfor (let i = 0; i < 3; i++) { let j = i; j++; }\nfor (var v in {}) v;\nfor (const [a, b] of []) a + b;\nfor (i of []) i;\nouter: while (i) { break outer; }\nswitch (i) { case 1: let s = 1; s += i; }\ntry { x(); } catch ({ message }) { let inner = message; } finally { i--; }\ntry {} catch (e) { e = 2; }\n{ function blockFn() {} blockFn(); }\ndelete globalThis.x;`,
  ],
  [
    "imports, exports and re-exports",
    "x.ts",
    `import a, { b as c, type T } from "./m";\nimport * as ns from "./n";\nimport type { U } from "./u";\nexport { a, c as d };\nexport { e } from "./e";\nexport * from "./f";\nexport const [x, { y }] = [ns.z, c];\nexport function g(): T { return a as T; }\nexport default g;\nlet m = 1; m = 2; export { m };`,
  ],
  [
    "TypeScript: enums, namespaces, import-equals, declarations, casts and type queries",
    "x.ts",
    `enum E { A, B = A }\nnamespace N { export const v = 1; var w = v; }\nimport fs = require("fs");\nimport Alias = N.v;\ndeclare const ambient: number;\ndeclare function over(x: number): void;\nfunction over2(x: string): void;\nfunction over2(x: any) {}\ninterface I { a: typeof ambient }\ntype Q = typeof fs;\nconst cast = (fs as unknown as I).a satisfies number;\nclass P { constructor(private readonly z: number, q = z) {} }\nconst generic = new Map<string, typeof E>();\nabstract class Abs { abstract f(): void; }\nlet definite!: number;\ndefinite++;`,
  ],
  [
    "JSX: tags, member tags, attributes and namespaces",
    "x.tsx",
    `import { Item, ui } from "./ui";\nconst div = 1;\nexport const view = (items: string[]) => <div className="a" data-x={div}><Item key="k" /><ui.Button onClick={() => items.push("x")}>{items.map((item) => <p>{item}</p>)}</ui.Button></div>;`,
  ],
  [
    "static blocks, private names, getters and object methods",
    "x.js",
    `class S { static #count = 0; static { var local = S.#count; let other = local; S.#count = other + 1; } static get count() { return S.#count; } }\nconst o = { m(a) { return a; }, [S.name]: 1, get g() { return o; }, shorthand: o, __proto__: null };\nconst { m, ...restOf } = o;\n({ m } = o);\n[restOf.x] = [1];`,
  ],
  [
    "scopes Babel gives a method's key and decorators, a switch's discriminant, and arguments",
    "x.ts",
    `const k = "a";\nfunction deco(..._: unknown[]) {}\nclass M { [k](k: string) { return k; } [(() => k)()]() {} @deco method(@deco p: number) { return p; } }\nconst obj = { [k](k = 1) { return k; } };\nlet s = 1;\nswitch (s) { case 1: { let s = 2; } }\nswitch ((() => s)()) { case 2: let s = 3; s++; }\nfunction args() { return arguments.length; }\nconst arrowArgs = () => arguments;`,
  ],
  [
    "redeclarations the parser allows, and declarations in loops",
    "x.ts",
    `var twice = 1; var twice = 2;\nfunction g(a) { var a; function a() {} }\nimport { type U } from "./u"; const U = 1;\nfor (var k in {}) k;\nwhile (twice) { var inLoop = 1; var bare; function loopFn() {} }\ndo { var d = 1; } while (d);\nfor (;;) { const c = () => { var nested = 1; }; break; }`,
  ],
];

describe("the core's scope analysis sees what Babel's crawl sees", () => {
  test.each(TRICKY)("%s", (_, file, code) => compare(code, file));

  test("on every source, test and fixture file of this repository", { timeout: 120_000 }, () => {
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(?:[cm]?[jt]sx?)$/.test(entry) && !entry.endsWith(".d.ts")) files.push(full);
      }
    };
    for (const dir of ["packages", "e2e"]) walk(path.join(repo, dir));
    expect(files.length).toBeGreaterThan(100);
    let compared = 0;
    for (const file of files) {
      const code = readFileSync(file, "utf8");
      try {
        parsed(code, file);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "CACHEPHANT_PARSE") throw error;
        continue; // a fixture that does not parse on purpose
      }
      compare(code, file);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  test("on large installed packages (Babel's parser, traverse and types, cacache)", { timeout: 120_000 }, () => {
    const require = createRequire(import.meta.url);
    const roots = ["@babel/parser", "@babel/traverse", "@babel/types", "cacache"].map((name) =>
      path.dirname(require.resolve(`${name}/package.json`)),
    );
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) {
          if (entry !== "node_modules") walk(full);
        } else if (entry.endsWith(".js")) files.push(full);
      }
    };
    for (const root of roots) walk(path.join(root, "lib"));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) compare(readFileSync(file, "utf8"), file);
  });
});
