// The SPEC behavior table, one test per row, with each bundler: build the
// fixture project, run it in a new process, change something, build and run
// again with the same cache folder, and check which bodies really ran.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const SCENARIO_HEADER = `import * as lib from "./lib";\n`;

function scenario(body: string): string {
  return `${SCENARIO_HEADER}export async function scenario() {\n${body}\n}\n`;
}

describe.each(BUNDLERS)("%s: what the key covers", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  const create = () => (project = Project.create(bundler));

  test("a process restart reuses the result", async () => {
    create();
    const first = await project.buildAndRun();
    expect(first).toMatchObject({ result: [9, 16], runs: { square: 2 } });
    const second = await project.run();
    expect(second.result).toEqual([9, 16]);
    expect(second.runs).toEqual({});
  });

  test("arguments that resolve to the same parameter values reuse the result", async () => {
    create()
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
export async function withDefault(a: number, b = 2) {
  "use cache";
  countRun("withDefault");
  return [a, b];
}
export async function withPattern({ a, b = 2 }: { a: number; b?: number; extra?: number }) {
  "use cache";
  countRun("withPattern");
  return [a, b];
}
export async function optional(a: number, b?: number) {
  "use cache";
  countRun("optional");
  return [a, b ?? null];
}
`,
      )
      .write(
        "src/scenario.ts",
        scenario(`return [await lib.withDefault(1), await lib.withPattern({ a: 1 }), await lib.optional(1)];`),
      );
    const first = await project.buildAndRun();
    expect(first.runs).toEqual({ withDefault: 1, withPattern: 1, optional: 1 });

    project.write(
      "src/scenario.ts",
      scenario(`return [
    await lib.withDefault(1, 2),
    await lib.withPattern({ a: 1, b: 2 }),
    await lib.withPattern({ a: 1, extra: 9 }),
    await lib.withPattern({ b: undefined, a: 1 }),
    await lib.optional(1, undefined),
  ];`),
    );
    const second = await project.buildAndRun();
    expect(second.runs).toEqual({});
    expect(second.result).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
      [1, null],
    ]);
  });

  test("the same plain-object argument with keys in another order reuses the result", async () => {
    create()
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
export async function describe(options: Record<string, unknown>) {
  "use cache";
  countRun("describe");
  return Object.keys(options).sort().join(",");
}
`,
      )
      .write("src/scenario.ts", scenario(`return lib.describe({ x: 1, y: { p: 1, q: [1, 2] } });`));
    expect((await project.buildAndRun()).runs).toEqual({ describe: 1 });
    project.write("src/scenario.ts", scenario(`return lib.describe({ y: { q: [1, 2], p: 1 }, x: 1 });`));
    const second = await project.buildAndRun();
    expect(second).toMatchObject({ result: "x,y", runs: {} });
  });

  const original = `import { countRun } from "./runs";

export async function total(items: number[], factor = 2) {
  "use cache";
  countRun("total");
  let sum = 0;
  for (const item of items) sum += item * factor;
  return { sum, label: "total" };
}
`;

  async function expectEdit(edited: string, reused: boolean, otherFiles: Record<string, string> = {}) {
    create().write("src/lib.ts", original).write("src/scenario.ts", scenario(`return lib.total([1, 2, 3]);`));
    const first = await project.buildAndRun();
    expect(first).toMatchObject({ result: { sum: 12, label: "total" }, runs: { total: 1 } });
    project.write("src/lib.ts", edited);
    for (const [file, content] of Object.entries(otherFiles)) project.write(file, content);
    const second = await project.buildAndRun<{ sum: number }>();
    expect(second.runs).toEqual(reused ? {} : { total: 1 });
    return second;
  }

  test("comments, whitespace, formatting, quotes, semicolons and redundant parentheses reuse the result", async () => {
    await expectEdit(
      `import { countRun } from './runs'
// Adds the items up.
export async function total (items: number[], factor = (2)) {
  'use cache'

  /* counted for the test */ countRun('total')
  let sum = (0)
  for (const item of items) { sum += ((item) * factor) }
  return {
    sum,
    label: 'total',
  }
}
`,
      true,
    );
  });

  test("TypeScript-only syntax reuses the result", async () => {
    await expectEdit(
      `import { countRun } from "./runs";
interface Totals { sum: number; label: string }
type Items = readonly number[];
export async function total(items: Items, factor: number = 2): Promise<Totals> {
  "use cache";
  countRun("total" as const);
  let sum: number = 0;
  for (const item of items as number[]) sum += item * factor!;
  return { sum, label: "total" } satisfies Totals;
}
`,
      true,
    );
  });

  test("renaming a local variable or a parameter reuses the result", async () => {
    await expectEdit(
      `import { countRun } from "./runs";

export async function total(values: number[], multiplier = 2) {
  "use cache";
  countRun("total");
  let acc = 0;
  for (const value of values) acc += value * multiplier;
  return { sum: acc, label: "total" };
}
`,
      true,
    );
  });

  test("editing code the function never reaches reuses the result", async () => {
    await expectEdit(
      `${original}
export async function unrelated(x: number) {
  "use cache";
  return x + 1;
}
export const VERSION = 2;
`,
      true,
      { "src/other.ts": `export const other = "edited";\n` },
    );
  });

  test("editing the body computes again", async () => {
    const second = await expectEdit(original.replace("item * factor", "item * factor + 1"), false);
    expect(second.result.sum).toBe(15);
  });

  test("editing the parameters computes again", async () => {
    await expectEdit(
      original.replace("(items: number[], factor = 2)", "(items: number[], factor = 2, extra = 0)"),
      false,
    );
  });

  test("editing a default value computes again", async () => {
    const second = await expectEdit(original.replace("factor = 2", "factor = 3"), false);
    expect(second.result.sum).toBe(18);
  });

  test("a different argument value computes again, and both results are kept", async () => {
    create().write("src/scenario.ts", scenario(`return [await lib.square(3)];`));
    expect((await project.buildAndRun()).runs).toEqual({ square: 1 });
    project.write("src/scenario.ts", scenario(`return [await lib.square(5)];`));
    expect(await project.buildAndRun()).toMatchObject({ result: [25], runs: { square: 1 } });
    project.write("src/scenario.ts", scenario(`return [await lib.square(3), await lib.square(5)];`));
    expect(await project.buildAndRun()).toMatchObject({ result: [9, 25], runs: {} });
  });
});
