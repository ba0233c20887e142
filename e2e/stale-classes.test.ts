// Never a stale result through a class instance: what the class's methods
// read from outside the class (a module `let`, a helper function) is not in
// the instance's key, so an instance of such a class makes the call run
// uncached with one warning naming the class and the names; a class whose
// methods read only `this` and known globals stays cached. Built with a real
// bundler and run in separate processes sharing one cache folder: each run's
// result must equal what the same program returns with the cache off, and a
// run in check mode (CACHEPHANT_CHECK=1) must find nothing stale.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

/** `prices.ts`: a class whose `total()` calls a module helper and reads a module `let` changed at run time. */
const prices = (round: string) => `export let rate = 1;
export function setRate(r: number) { rate = r; }
function round(x: number) { return ${round}; }
export class Cart {
  constructor(readonly items: number[]) {}
  total() { return round(this.items.reduce((s, x) => s + x, 0) * rate); }
}
export class Plain {
  constructor(readonly items: number[]) {}
  total() { return Math.round(this.items.reduce((s, x) => s + x, 0) * 100) / 100; }
}
`;

const lib = `import { countRun } from "./runs";
export async function totalOf(cart: { total(): number }) {
  "use cache";
  countRun("totalOf");
  return cart.total();
}
`;

const scenario = (cartClass: "Cart" | "Plain") => `import { ${cartClass}, setRate } from "./prices";
import { totalOf } from "./lib";
export async function scenario() {
  setRate(Number(process.env.RATE ?? 1));
  return totalOf(new ${cartClass}([1.234, 2]));
}
`;

const WARNING = /args\[0\] is an instance of Cart, whose methods read rate and round from outside the class/;

describe.each(BUNDLERS)("%s: a class instance's methods read from outside the class", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  function create(cartClass: "Cart" | "Plain", round = "Math.round(x * 100) / 100") {
    project = Project.create(bundler);
    project.write("src/prices.ts", prices(round));
    project.write("src/lib.ts", lib);
    project.write("src/scenario.ts", scenario(cartClass));
  }

  /** Cached, uncached and checked runs agree; returns the cached run. */
  const runAll = (env: NodeJS.ProcessEnv = {}) => project.runAgainstUncachedAndChecked(env);

  test("a module `let` the method reads, changed at run time: uncached with a warning naming the class and the names, never the other rate's result", async () => {
    create("Cart");
    await project.build();
    const first = await runAll({ RATE: "1" });
    expect(first).toMatchObject({ result: 3.23, runs: { totalOf: 1 } });
    expect(first.stderr).toMatch(WARNING);
    expect((first.stderr.match(/whose methods read/g) ?? []).length).toBe(1);
    expect(await runAll({ RATE: "2" })).toMatchObject({ result: 6.47, runs: { totalOf: 1 } });
    expect(await runAll({ RATE: "1" })).toMatchObject({ result: 3.23, runs: { totalOf: 1 } });
  });

  test("a helper the method calls, edited between builds: the new helper's result", async () => {
    create("Cart");
    await project.build();
    expect(await runAll()).toMatchObject({ result: 3.23, runs: { totalOf: 1 } });
    project.write("src/prices.ts", prices("Math.floor(x)"));
    await project.build();
    const after = await runAll();
    expect(after).toMatchObject({ result: 3, runs: { totalOf: 1 } });
    expect(after.stderr).toMatch(WARNING);
  });

  test("a class whose methods read only `this` and known globals stays cached: a hit on the second run", async () => {
    create("Plain");
    await project.build();
    const first = await runAll();
    expect(first).toMatchObject({ result: 3.23, runs: { totalOf: 1 } });
    expect(first.stderr).not.toMatch(/whose methods read/);
    expect(await runAll()).toMatchObject({ result: 3.23, runs: {} });
  });
});

describe.each(BUNDLERS)("%s: what a class's source does not show", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });
  const runAll = (env: NodeJS.ProcessEnv = {}) => project.runAgainstUncachedAndChecked(env);

  test("a static a method reads by the class's name, set at load from the environment: each rate its own result", async () => {
    project = Project.create(bundler)
      .write(
        "src/pricing.ts",
        `export class Pricing {
  static rate = 1;
  constructor(readonly items: number[]) {}
  total() { return this.items.reduce((a, b) => a + b, 0) * Pricing.rate; }
}
`,
      )
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
import type { Pricing } from "./pricing";
export async function total(p: Pricing) {
  "use cache";
  countRun("total");
  return p.total();
}
`,
      )
      .write(
        "src/scenario.ts",
        `import { Pricing } from "./pricing";
import { total } from "./lib";
Pricing.rate = Number(process.env.RATE ?? 1);
export async function scenario() { return total(new Pricing([1, 2, 3])); }
`,
      );
    await project.build();
    expect(await runAll({ RATE: "1" })).toMatchObject({ result: 6, runs: { total: 1 } });
    expect(await runAll({ RATE: "10" })).toMatchObject({ result: 60, runs: { total: 1 } });
    expect(await runAll({ RATE: "1" })).toMatchObject({ result: 6, runs: {} });
  });

  test("a prototype method another module replaces at load, edited between builds: the new method's result", async () => {
    const patch = (factor: number) => `import { Calc } from "./calc";
Calc.prototype.run = function (x: number) { return x * ${factor}; };
`;
    project = Project.create(bundler)
      .write("src/calc.ts", `export class Calc {\n  run(x: number) { return x * 2; }\n}\n`)
      .write("src/patch.ts", patch(3))
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
import { Calc } from "./calc";
export async function viaProto(x: number) {
  "use cache";
  countRun("viaProto");
  return new Calc().run(x);
}
`,
      )
      .write(
        "src/scenario.ts",
        `import "./patch";\nimport { viaProto } from "./lib";\nexport async function scenario() { return viaProto(2); }\n`,
      );
    await project.build();
    expect(await runAll()).toMatchObject({ result: 6, runs: { viaProto: 1 } });
    expect(await runAll()).toMatchObject({ result: 6, runs: {} });
    project.write("src/patch.ts", patch(4));
    await project.build();
    expect(await runAll()).toMatchObject({ result: 8, runs: { viaProto: 1 } });
  });

  test("an error subclass argument whose getter is edited between builds: the new getter's result", async () => {
    const errors = (status: number) =>
      `export class NotFound extends Error {\n  get status() { return ${status}; }\n}\n`;
    project = Project.create(bundler)
      .write("src/errors.ts", errors(404))
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
export async function toResponse(err: Error & { status?: number }) {
  "use cache";
  countRun("toResponse");
  return { status: err.status ?? 500, body: err.message };
}
`,
      )
      .write(
        "src/scenario.ts",
        `import { NotFound } from "./errors";\nimport { toResponse } from "./lib";\nexport async function scenario() { return toResponse(new NotFound("no such page")); }\n`,
      );
    await project.build();
    expect(await runAll()).toMatchObject({ result: { status: 404 }, runs: { toResponse: 1 } });
    expect(await runAll()).toMatchObject({ result: { status: 404 }, runs: {} });
    project.write("src/errors.ts", errors(410));
    await project.build();
    expect(await runAll()).toMatchObject({ result: { status: 410 }, runs: { toResponse: 1 } });
  });
});
