/**
 * What `cachephant explain` shows of a function, through the public
 * `transform`: the tree of what it reaches names exactly what `deps` (the
 * hash's inputs) lists, with `file:line`; the variables read by value are
 * `scope` and `state`, with where they are declared.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { CachedFunctionInfo, ReachedNode } from "../src/index.js";
import { TempProject } from "./helpers/project.js";

const projects: TempProject[] = [];
afterAll(() => {
  for (const project of projects) project.remove();
});

const FILES = {
  "src/h.ts": `import path from "node:path";
export const RATE = 3;
export function scale(n: number) { return n * RATE + twice(n); }
function twice(n: number): number { return n > 9 ? path.sep.length : scale(n + 1); }
export let counter = 0;
export function bump() { counter++; }
`,
  "src/main.ts": `import { scale, counter } from "./h";
const unit = "kg";
export async function price(n: number, { round = true } = {}, log?: unknown) {
  "use cache: ttl=60s; ignore=log";
  return scale(n) + unit + counter + String(round);
}
export async function self(n: number): Promise<number> {
  "use cache";
  return n <= 0 ? 0 : await self(n - 1);
}
`,
};

function labels(nodes: readonly ReachedNode[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    into.add(node.label);
    labels(node.reaches ?? [], into);
  }
  return into;
}

async function functions(): Promise<Record<string, CachedFunctionInfo>> {
  const project = new TempProject(FILES);
  projects.push(project);
  const result = await project.transform("src/main.ts");
  return Object.fromEntries(result.functions.map((fn) => [fn.name, fn]));
}

describe("explain", () => {
  test("the tree names every dependency the hash covers and nothing else, each declaration with file:line", async () => {
    const { price } = await functions();
    const covered = new Set(price!.deps.map(([label]) => label).filter((label) => label !== "own code"));
    expect(labels(price!.explain.reaches)).toEqual(covered);
    const scale = price!.explain.reaches.find((node) => node.label === "helper scale (src/h.ts)")!;
    expect(scale).toMatchObject({ file: "src/h.ts", line: 3 });
    const twice = scale.reaches!.find((node) => node.label === "helper twice (src/h.ts)")!;
    expect(twice).toMatchObject({ file: "src/h.ts", line: 4 });
    // twice calls scale back: a cycle is shown once, then marked as repeated.
    expect(twice.reaches!.find((node) => node.label === "helper scale (src/h.ts)")).toMatchObject({ repeated: true });
    expect(twice.reaches!.find((node) => node.label === "node:path")).toMatchObject({ hash: "builtin" });
  });

  test("variables by value are scope and state with where they are declared; parameters, ignore and ttl as the key sees them", async () => {
    const { price } = await functions();
    expect(price!.explain.scope).toEqual(price!.scope.map((name) => expect.objectContaining({ name })));
    expect(price!.explain.scope).toEqual([
      { name: "counter", file: "src/h.ts", line: 5 },
      { name: "unit", file: "src/main.ts", line: 2 },
    ]);
    expect(price!.explain.state).toEqual([{ name: "counter", file: "src/h.ts", line: 5 }]);
    expect(price!.state).toEqual([["src/h.ts", "counter"]]);
    expect(price!.explain.params).toEqual([
      { name: "n", path: "args[0]", ignored: false },
      { name: "round", path: "args[1].round", default: "true", ignored: false },
      { name: "log", path: "args[2]", ignored: true },
    ]);
    expect(price!.explain).toMatchObject({ ttl: 60_000, inputs: true, ignoredVariables: [] });
  });

  test("a function that calls itself is not in its own tree", async () => {
    const { self } = await functions();
    expect(self!.deps.map(([label]) => label)).toEqual(["own code"]);
    expect(self!.explain.reaches).toEqual([]);
  });
});
