/**
 * A property of the hash, checked on random edits: over a small corpus of
 * multi-file projects, a seeded list of mutations is applied to declarations
 * the cached function reaches (named `r_*`) or cannot reach (`u_*`):
 *
 * - changing a literal, swapping an operator, adding a statement to a
 *   reachable declaration changes the function's hash;
 * - renaming a local consistently, adding a comment, breaking a line never
 *   changes it (they do not change behavior);
 * - no edit of an unreachable declaration changes it.
 *
 * Two module graphs per project are shared by all trials (as in a long watch
 * session): one re-reads the files it reaches, the other trusts them until
 * `invalidate(file)`; both must agree, and after each trial the file is
 * restored and the original hash must come back.
 */
import { parse } from "@babel/parser";
import traverseModule, { type Binding, type NodePath, type Scope } from "@babel/traverse";
import type * as t from "@babel/types";
import { afterAll, describe, expect, test } from "vitest";
import { createModuleGraph, type TransformOptions } from "../src/index.js";
import { TempProject } from "./helpers/project.js";
import { seededRandom as random } from "../../../scripts/seeded-random.mjs";

const traverse = ((traverseModule as { default?: unknown }).default ?? traverseModule) as typeof traverseModule.default;

// PROPERTY_SEED=<n> tries another sequence of edits (the default keeps runs deterministic).
const SEED = Number(process.env.PROPERTY_SEED ?? 0xcac4e);
const TRIALS_PER_PROJECT = Number(process.env.PROPERTY_TRIALS ?? 90);

interface CorpusProject {
  name: string;
  entry: string;
  /** The cached function whose hash is checked. */
  fn: string;
  alias?: Record<string, string>;
  files: Record<string, string>;
}

const CORPUS: CorpusProject[] = [
  {
    name: "shop",
    entry: "src/entry.ts",
    fn: "total",
    files: {
      "src/entry.ts": `import { r_tax, u_unusedExport } from "./tax";
import * as fmt from "./format";
import type { Money } from "./types";

const r_CURRENCY = "EUR";

function r_round(value: number): number {
  const factor = 100;
  return Math.round(value * factor) / factor;
}

function u_log(message: string) {
  const prefix = "[log] ";
  console.log(prefix + message);
  return u_unusedExport(message.length);
}

export async function total(items: Money[]) {
  "use cache";
  let sum = 0;
  for (const item of items) {
    sum += r_round(item + r_tax(item));
  }
  return fmt.r_money(sum, r_CURRENCY);
}

export function u_other(a: number) {
  const b = a * 2;
  return b + 1;
}
`,
      "src/tax.ts": `import { r_RATES } from "./rates";

export function r_tax(net: number) {
  const rate = r_RATES.standard;
  if (net > 1000) {
    return net * rate * 0.9;
  }
  return net * rate;
}

export function u_unusedExport(x: number) {
  const y = x - 1;
  return y * 3;
}
`,
      "src/rates.ts": `export const r_RATES = { standard: 0.2, reduced: 0.05 };
export const u_OTHER = { a: 1 + 2, label: "other" };
`,
      "src/format.ts": `export function r_money(value: number, currency: string) {
  const text = value.toFixed(2);
  return text + " " + currency;
}

export function u_percent(value: number) {
  const scaled = value * 100;
  return scaled + "%";
}
`,
      "src/types.ts": `export type Money = number;
export const u_TYPES_VALUE = 1 + 1;
export function u_typeHelper(m: Money) {
  const n = m * 2;
  return n;
}
`,
    },
  },
  {
    name: "graph",
    entry: "src/entry.js",
    fn: "explore",
    files: {
      "src/entry.js": `import r_walkMain from "./walk.js";
import { r_visit as visitNode } from "./barrel.js";

export async function explore(root) {
  "use cache";
  const seen = new Set();
  return r_walkMain(root, seen) + visitNode(root);
}

function u_debug(node) {
  const label = "node:" + node;
  return label.length;
}
`,
      "src/barrel.js": `export { r_visit } from "./visit.js";
export * from "./extra.js";
`,
      "src/visit.js": `import { r_leave } from "./leave.js";

export function r_visit(node) {
  const depth = 1;
  return node ? r_leave(node, depth) : 0;
}

export function u_visitAll(nodes) {
  const count = nodes.length;
  return count * 2;
}
`,
      "src/leave.js": `import { r_visit } from "./visit.js";

export function r_leave(node, depth) {
  const next = node.child;
  return depth > 3 ? depth : r_visit(next) + depth;
}
`,
      "src/walk.js": `function r_step(node, seen) {
  const key = node.id;
  seen.add(key);
  return r_back(node.next, seen) + 1;
}

function r_back(node, seen) {
  const done = !node;
  return done ? 0 : r_step(node, seen);
}

export default function r_walkMain(root, seen) {
  const start = 0;
  return start + r_step(root, seen);
}

export function u_unwalk(x) {
  const z = x + 1;
  return z;
}
`,
      "src/extra.js": `export function u_extra(a) {
  const b = a + 1;
  return b * 2;
}
`,
    },
  },
  {
    name: "closures",
    entry: "src/entry.ts",
    fn: "load",
    alias: { "@/": "src/" },
    files: {
      "src/entry.ts": `import { r_Parser } from "@/parser";

class r_Cache {
  get(key: string) {
    const hit = key.length > 2;
    return hit ? key : null;
  }
}

const r_LIMIT = 50;
let r_counter = 0;

export function makeLoader(prefix: string) {
  const r_suffix = "-v1";
  const r_decorate = (id: string) => {
    const clean = id.trim();
    return prefix + clean + r_suffix;
  };
  const u_local = (x: number) => {
    const twice = x * 2;
    return twice - 1;
  };
  return async function load(id: string) {
    "use cache";
    r_counter++;
    const parser = new r_Parser(r_LIMIT);
    return new r_Cache().get(r_decorate(id)) ?? parser.parse(id);
  };
}

function u_unused() {
  const k = 3;
  return k * 4;
}
`,
      "src/parser.ts": `export class r_Parser {
  limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  parse(text: string) {
    const parts = text.split(",");
    return parts.slice(0, this.limit);
  }
}

export class u_Other {
  run() {
    const v = 1;
    return v + 2;
  }
}
`,
    },
  },
];

type MutationKind = "literal" | "operator" | "statement" | "rename" | "comment" | "newline";

/** Whether the mutation changes behavior (so the hash of a function that reaches it must change). */
const CHANGES_BEHAVIOR: Record<MutationKind, boolean> = {
  literal: true,
  operator: true,
  statement: true,
  rename: false,
  comment: false,
  newline: false,
};

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

interface Mutation {
  kind: MutationKind;
  file: string;
  declaration: string;
  edits: TextEdit[];
}

const SWAPS: Record<string, string> = {
  "+": "-",
  "-": "+",
  "*": "/",
  "/": "*",
  "<": ">",
  ">": "<",
  "===": "!==",
  "!==": "===",
};

function parseSource(code: string, file: string): t.File {
  return parse(code, { sourceType: "module", plugins: file.endsWith(".ts") ? ["typescript"] : [] });
}

function insideType(path: NodePath): boolean {
  return (
    path.findParent((parent) => parent.node.type.startsWith("TS") && parent.node.type !== "TSAsExpression") !== null
  );
}

/** Every mutation of every `r_`/`u_` declaration of a file, by kind. */
function mutationsOf(file: string, code: string, counter: () => number): Mutation[] {
  const ast = parseSource(code, file);
  const found: Mutation[] = [];
  const declarations: Array<{ name: string; path: NodePath }> = [];
  traverse(ast, {
    "FunctionDeclaration|ClassDeclaration|VariableDeclarator"(path: NodePath) {
      const id = (path.node as { id?: t.Node | null }).id;
      if (id?.type === "Identifier" && /^[ru]_/.test(id.name)) declarations.push({ name: id.name, path });
    },
  });

  for (const { name, path } of declarations) {
    const add = (kind: MutationKind, edits: TextEdit[]) => found.push({ kind, file, declaration: name, edits });
    const ownId = (path.node as { id?: t.Node | null }).id;
    const scopes = new Set<Scope>();
    if (path.isScopable()) scopes.add(path.scope);

    path.traverse({
      Scopable(inner) {
        scopes.add(inner.scope);
      },
      "NumericLiteral|StringLiteral"(literal: NodePath) {
        if (insideType(literal)) return;
        const node = literal.node as t.NumericLiteral | t.StringLiteral;
        const text = node.type === "NumericLiteral" ? String(node.value + 1) : JSON.stringify(`${node.value}x`);
        add("literal", [{ start: node.start!, end: node.end!, text }]);
      },
      BinaryExpression(binary) {
        const { left, right, operator } = binary.node;
        const swapped = SWAPS[operator];
        if (!swapped) return;
        const between = code.slice(left.end!, right.start!);
        const at = between.indexOf(operator);
        if (at === -1 || between.indexOf(operator, at + 1) !== -1) return;
        const start = left.end! + at;
        add("operator", [{ start, end: start + operator.length, text: swapped }]);
      },
      BlockStatement(block) {
        const start = block.node.start! + 1;
        add("newline", [{ start, end: start, text: "\n      " }]);
        if (block.parentPath.isFunction())
          add("statement", [{ start, end: start, text: ` globalThis.__mutated = ${counter()};` }]);
      },
      Statement(statement) {
        if (statement.isBlockStatement()) return;
        const start = statement.node.start!;
        add("comment", [{ start, end: start, text: `/* note ${counter()} */ ` }]);
      },
    });

    for (const scope of scopes) {
      for (const binding of Object.values<Binding>(scope.bindings)) {
        if (binding.identifier === ownId || binding.kind === "module") continue;
        const identifiers = new Set<t.Node>([binding.identifier]);
        for (const reference of binding.referencePaths) identifiers.add(reference.node);
        for (const violation of binding.constantViolations) {
          for (const id of violation.getBindingIdentifiers(true)[binding.identifier.name] ?? []) identifiers.add(id);
        }
        // A shorthand `{ key }` would rename the property too: not behavior-preserving.
        const shorthand = [...identifiers].some((id) =>
          [binding.path, ...binding.referencePaths].some(
            (p) => p.parent?.type === "ObjectProperty" && p.parent.shorthand && p.parent.value === id,
          ),
        );
        if (shorthand) continue;
        const fresh = `renamed_${counter()}`;
        add(
          "rename",
          [...identifiers].map((id) => {
            const typed = id as t.Identifier;
            // Keep a TypeScript annotation on the binding identifier.
            const end = typed.typeAnnotation ? typed.typeAnnotation.start! : typed.end!;
            return { start: typed.start!, end, text: fresh };
          }),
        );
      }
    }
  }
  return found;
}

function apply(code: string, edits: readonly TextEdit[]): string {
  let out = code;
  for (const edit of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

const projects: TempProject[] = [];
afterAll(() => {
  for (const project of projects) project.remove();
});

describe("random edits (seeded)", () => {
  const next = random(SEED);
  let counter = 0;
  const count = () => ++counter;

  for (const corpus of CORPUS) {
    test(`${corpus.name}: ${TRIALS_PER_PROJECT} edits`, async () => {
      const project = new TempProject(corpus.files);
      projects.push(project);
      const resolve = corpus.alias ? { resolve: project.aliasResolver(corpus.alias) } : {};
      // A graph that re-reads what it reaches, and one that trusts files until told they changed.
      const revalidating: TransformOptions = { graph: createModuleGraph(), ...resolve };
      const trustingGraph = createModuleGraph({ revalidate: false });
      const trusting: TransformOptions = { graph: trustingGraph, ...resolve };
      const hashOf = async () => {
        const hash = (await project.hashes(corpus.entry, revalidating))[corpus.fn];
        expect((await project.hashes(corpus.entry, trusting))[corpus.fn]).toBe(hash);
        return hash;
      };
      const write = (file: string, content: string) => {
        project.write(file, content);
        trustingGraph.invalidate(project.path(file));
      };
      const baseline = await hashOf();
      expect(baseline).toMatch(/^[0-9a-f]{32}$/);

      const all = Object.entries(corpus.files).flatMap(([file, code]) => mutationsOf(file, code, count));
      const kinds = [...new Set(all.map((mutation) => mutation.kind))].sort();
      expect(kinds).toEqual(["comment", "literal", "newline", "operator", "rename", "statement"]);

      const tally = { changed: 0, kept: 0 };
      for (let trial = 0; trial < TRIALS_PER_PROJECT; trial++) {
        // Pick a kind first, so that rare kinds are tried as often as common ones.
        const kind = kinds[Math.floor(next() * kinds.length)]!;
        const candidates = all.filter((mutation) => mutation.kind === kind);
        const mutation = candidates[Math.floor(next() * candidates.length)]!;
        const original = corpus.files[mutation.file]!;
        const mutated = apply(original, mutation.edits);
        expect(
          () => parseSource(mutated, mutation.file),
          `${mutation.kind} of ${mutation.declaration} must parse:\n${mutated}`,
        ).not.toThrow();

        write(mutation.file, mutated);
        const hash = await hashOf();
        write(mutation.file, original);

        const reachable = mutation.declaration.startsWith("r_");
        const mustChange = reachable && CHANGES_BEHAVIOR[mutation.kind];
        const description = `${mutation.kind} in ${mutation.declaration} (${mutation.file}):\n${mutated}`;
        if (mustChange) expect(hash, `must change: ${description}`).not.toBe(baseline);
        else expect(hash, `must not change: ${description}`).toBe(baseline);
        if (mustChange) tally.changed++;
        else tally.kept++;
        // Back to the original file: the original hash again, from the same graph.
        expect(await hashOf()).toBe(baseline);
      }
      // Both outcomes were exercised.
      expect(tally.changed).toBeGreaterThan(10);
      expect(tally.kept).toBeGreaterThan(10);
    }, 60_000);
  }
});
