// The behavior table's rows on what the function can see beyond its own
// code: helpers, imports, packages, closure and module values. Each with each
// bundler, across separate processes sharing one cache folder.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const scenario = (body: string) => `import * as lib from "./lib";\nexport async function scenario() {\n${body}\n}\n`;

const fakePackage = (version: string) => ({
  "node_modules/fake-stats/package.json": JSON.stringify({
    name: "fake-stats",
    version,
    type: "module",
    exports: "./index.js",
  }),
  "node_modules/fake-stats/index.js": `export function mean(xs) { return xs.reduce((a, b) => a + b, 0) / xs.length; }\n`,
});

describe.each(BUNDLERS)("%s: what the key follows", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  /** Builds and runs twice around an edit of other files; returns the second run's counts. */
  async function runsAfterEdit(files: Record<string, string>, edits: Record<string, string>, body: string) {
    project = Project.create(bundler);
    for (const [file, content] of Object.entries(files)) project.write(file, content);
    project.write("src/scenario.ts", scenario(body));
    const first = await project.buildAndRun();
    expect(Object.values(first.runs).every((count) => count > 0)).toBe(true);
    for (const [file, content] of Object.entries(edits)) project.write(file, content);
    return project.buildAndRun();
  }

  const sameModule = (scale: string) => `import { countRun } from "./runs";
function scale(x: number) { return x * ${scale}; }
function twice(x: number) { return scale(x) + scale(x); }
export function unrelated() { return "unrelated"; }
export async function compute(n: number) {
  "use cache";
  countRun("compute");
  return twice(n);
}
`;

  test("editing a helper in the same module, transitively, computes again", async () => {
    const second = await runsAfterEdit(
      { "src/lib.ts": sameModule("10") },
      { "src/lib.ts": sameModule("100") },
      `return lib.compute(2);`,
    );
    expect(second).toMatchObject({ result: 400, runs: { compute: 1 } });
  });

  test("editing a function of the same module that it never calls reuses the result", async () => {
    const second = await runsAfterEdit(
      { "src/lib.ts": sameModule("10") },
      { "src/lib.ts": sameModule("10").replace('return "unrelated"', 'return "changed"') },
      `return lib.compute(2);`,
    );
    expect(second).toMatchObject({ result: 40, runs: {} });
  });

  const importing = `import { countRun } from "./runs";
import { total } from "./math/total";
import * as format from "./math/format";
export async function report(xs: number[]) {
  "use cache";
  countRun("report");
  return format.label(total(xs));
}
`;
  const helpers = (roundTo: string) => ({
    "src/math/total.ts": `import { round } from "./round";\nexport function total(xs: number[]) { return round(xs.reduce((a, b) => a + b, 0)); }\nexport function unused() { return 1; }\n`,
    "src/math/round.ts": `export function round(x: number) { return Math.round(x * ${roundTo}) / ${roundTo}; }\n`,
    "src/math/format.ts": `export function label(x: number) { return "total " + x; }\nexport function other() { return "other"; }\n`,
  });

  test("editing a helper in a relative import, transitively, computes again", async () => {
    const second = await runsAfterEdit(
      { "src/lib.ts": importing, ...helpers("10") },
      { "src/math/round.ts": helpers("1")["src/math/round.ts"] },
      `return lib.report([1.26, 2.5]);`,
    );
    expect(second).toMatchObject({ result: "total 4", runs: { report: 1 } });
  });

  test("editing other exports of the helper modules reuses the result", async () => {
    const second = await runsAfterEdit(
      { "src/lib.ts": importing, ...helpers("10") },
      {
        "src/math/total.ts": helpers("10")["src/math/total.ts"].replace("return 1;", "return 2;"),
        "src/math/format.ts": helpers("10")["src/math/format.ts"].replace('"other"', '"changed"'),
      },
      `return lib.report([1.26, 2.5]);`,
    );
    expect(second).toMatchObject({ result: "total 3.8", runs: {} });
  });

  test("upgrading an npm package whose binding it uses computes again", async () => {
    const lib = `import { countRun } from "./runs";
import { mean } from "fake-stats";
export async function average(xs: number[]) {
  "use cache";
  countRun("average");
  return mean(xs);
}
`;
    const same = await runsAfterEdit(
      { "src/lib.ts": lib, ...fakePackage("1.0.0") },
      {},
      `return lib.average([1, 2, 3]);`,
    );
    expect(same).toMatchObject({ result: 2, runs: {} });
    project.write("node_modules/fake-stats/package.json", fakePackage("1.1.0")["node_modules/fake-stats/package.json"]);
    expect(await project.buildAndRun()).toMatchObject({ result: 2, runs: { average: 1 } });
  });

  test("a different closure variable value computes again, and both results are kept", async () => {
    project = Project.create(bundler).write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export function scaler(factor: number) {
  return async function scaled(n: number) {
    "use cache";
    countRun("scaled");
    return n * factor;
  };
}
`,
    );
    project.write("src/scenario.ts", scenario(`return lib.scaler(2)(5);`));
    expect(await project.buildAndRun()).toMatchObject({ result: 10, runs: { scaled: 1 } });
    project.write("src/scenario.ts", scenario(`return lib.scaler(3)(5);`));
    expect(await project.buildAndRun()).toMatchObject({ result: 15, runs: { scaled: 1 } });
    project.write("src/scenario.ts", scenario(`return [await lib.scaler(2)(5), await lib.scaler(3)(5)];`));
    expect(await project.buildAndRun()).toMatchObject({ result: [10, 15], runs: {} });
  });

  test("a different module variable or imported value computes again, and both results are kept", async () => {
    project = Project.create(bundler)
      .write("src/settings.ts", `export const settings = { rate: Number(process.env.E2E_RATE ?? 1), unit: "eur" };\n`)
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
import { settings } from "./settings";
let offset = Number(process.env.E2E_OFFSET ?? 0);
export async function price(n: number) {
  "use cache";
  countRun("price");
  return n * settings.rate + offset;
}
`,
      )
      .write("src/scenario.ts", scenario(`return lib.price(10);`));
    await project.build();
    expect(await project.run({ E2E_RATE: "1" })).toMatchObject({ result: 10, runs: { price: 1 } });
    expect(await project.run({ E2E_RATE: "2" })).toMatchObject({ result: 20, runs: { price: 1 } });
    expect(await project.run({ E2E_RATE: "2", E2E_OFFSET: "5" })).toMatchObject({ result: 25, runs: { price: 1 } });
    expect(await project.run({ E2E_RATE: "1" })).toMatchObject({ result: 10, runs: {} });
    expect(await project.run({ E2E_RATE: "2" })).toMatchObject({ result: 20, runs: {} });
  });

  test("CACHEPHANT_DEBUG=1 names the helper that changed", async () => {
    await runsAfterEdit({ "src/lib.ts": importing, ...helpers("10") }, {}, `return lib.report([1.26, 2.5]);`);
    project.write("src/math/round.ts", helpers("1")["src/math/round.ts"]);
    await project.build();
    const { stderr } = await project.run({ CACHEPHANT_DEBUG: "1" });
    expect(stderr).toMatch(/miss report .*new code: .*round.*src\/math\/round\.ts/);
  });
});
