#!/usr/bin/env node
// Finds import cycles among the packages' sources and prints each as a path
// (a → b → a); exits 1 when there is one. Follows relative imports and
// re-exports, `import type` included (a type cycle still ties two files'
// jobs together), not `import()` (it does not fix an evaluation order).
//
//   node scripts/check-cycles.mjs [dir ...]    default: packages/*/src
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const SOURCE = /\.(?:ts|tsx|mts|cts)$/;

/** Every TypeScript source file under `dir`, declaration files and node_modules left out. */
function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") files.push(...sourceFiles(path));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      files.push(path);
    }
  }
  return files;
}

/** The file a relative specifier names: `./x.js` → x.ts, `./x` → x.ts or x/index.ts. */
function resolveSpecifier(from, specifier, known) {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.js$/, ".tsx"),
    base.replace(/\.mjs$/, ".mts"),
    base.replace(/\.cjs$/, ".cts"),
    base,
    `${base}.ts`,
    `${base}.tsx`,
    join(base, "index.ts"),
    join(base, "index.tsx"),
  ];
  return candidates.find((candidate) => known.has(candidate));
}

/** The static imports and re-exports of one file, each with whether it brings types only. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const found = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      found.push({ specifier: statement.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const clause = statement.exportClause;
      const typeOnly =
        statement.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly));
      found.push({ specifier: statement.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isImportEqualsDeclaration(statement) &&
      ts.isExternalModuleReference(statement.moduleReference) &&
      ts.isStringLiteral(statement.moduleReference.expression)
    ) {
      found.push({ specifier: statement.moduleReference.expression.text, typeOnly: statement.isTypeOnly });
    }
  }
  return found.filter(({ specifier }) => specifier.startsWith("."));
}

/** The import graph: file → (imported file → whether every import between them is type-only). */
export function importGraph(files) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const edges = new Map();
    for (const { specifier, typeOnly } of importsOf(file)) {
      const target = resolveSpecifier(file, specifier, known);
      if (target !== undefined) edges.set(target, (edges.get(target) ?? true) && typeOnly);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function tangledComponents(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node).keys()) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node).has(node)) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest cycle from `start` back to itself, staying inside `members`. */
function shortestCycle(graph, start, members) {
  const previous = new Map();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const next of [...graph.get(node).keys()].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** One shortest cycle through each file that is in a cycle, without repeats (a → b → a and b → a → b are one). */
export function findCycles(graph) {
  const cycles = [];
  const seen = new Set();
  for (const component of tangledComponents(graph)) {
    const members = new Set(component);
    for (const start of component) {
      const cycle = shortestCycle(graph, start, members);
      if (cycle === undefined) continue;
      const ring = cycle.slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]);
      const canonical = [...ring.slice(first), ...ring.slice(0, first)];
      const key = canonical.join("\n");
      if (seen.has(key)) continue;
      seen.add(key);
      const path = [...canonical, canonical[0]];
      const typeOnly = path.slice(1).every((to, i) => graph.get(path[i]).get(to));
      cycles.push({ path, typeOnly });
    }
  }
  return cycles;
}

/** The default roots: each package's src folder. */
function defaultRoots(cwd) {
  const packages = join(cwd, "packages");
  if (!existsSync(packages)) return [];
  return readdirSync(packages)
    .map((name) => join(packages, name, "src"))
    .filter((dir) => existsSync(dir) && statSync(dir).isDirectory());
}

function main(args) {
  const cwd = process.cwd();
  const roots = args.length > 0 ? args.map((dir) => resolve(cwd, dir)) : defaultRoots(cwd);
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      console.error(
        `check-cycles: ${relative(cwd, root) || root} is not a directory; pass folders of TypeScript sources.`,
      );
      return 2;
    }
  }
  const files = roots.flatMap(sourceFiles);
  const cycles = findCycles(importGraph(files));
  if (cycles.length === 0) {
    console.log(`check-cycles: no import cycle among ${files.length} files.`);
    return 0;
  }
  for (const { path, typeOnly } of cycles) {
    console.error(`cycle${typeOnly ? " (types only)" : ""}: ${path.map((file) => relative(cwd, file)).join(" → ")}`);
  }
  console.error(
    `check-cycles: ${cycles.length} import cycle${cycles.length === 1 ? "" : "s"}. ` +
      "Cut each one: move what both files need into a module below them, or pass it in as a parameter.",
  );
  return 1;
}

if (process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exitCode = main(process.argv.slice(2));
}
