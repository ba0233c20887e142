// State across modules: a function, class or object one module exports and
// another mutates (SPEC: "A member assignment to an imported binding makes
// that binding state"), and modules the cached function reaches only
// through `import()`, which must still load when that `import()` runs (SPEC:
// "the rewrite never changes when a module runs"). Each row is built with a
// real bundler and run in separate processes sharing one cache folder; each
// run's result must equal what the same program returns with the cache off.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

/** The entry: mutates what the config module exports, then calls the cached function. */
const entry = (imports: string, mutation: string) => `${imports}
import { runs } from "./runs";
import { compute } from "./lib";
${mutation}
const result = await compute(2);
console.log(JSON.stringify({ result, runs }));
`;

const reader = (imports: string, read: string) => `import { countRun } from "./runs";
${imports}
export async function compute(x: number) {
  "use cache";
  countRun("compute");
  return x * ${read};
}
`;

interface Row {
  config: string;
  main: string;
  lib: string;
  /** A helper module reading the config, when the row has one. */
  rate?: string;
}

const ROWS: Array<[string, Row]> = [
  [
    "a class static assigned by the entry module",
    {
      config: `export class Config { static rate = 1; }\n`,
      main: entry(`import { Config } from "./config";`, `Config.rate = Number(process.env.RATE);`),
      lib: reader(`import { Config } from "./config";`, "Config.rate"),
    },
  ],
  [
    "a function's property assigned by the entry module",
    {
      config: `export function Config() {}\nConfig.rate = 1;\n`,
      main: entry(`import { Config } from "./config";`, `(Config as any).rate = Number(process.env.RATE);`),
      lib: reader(`import { Config } from "./config";`, "(Config as any).rate"),
    },
  ],
  [
    "a default-exported object assigned by the entry module",
    {
      config: `export default { rate: 1 };\n`,
      main: entry(`import Config from "./config";`, `Config.rate = Number(process.env.RATE);`),
      lib: reader(`import Settings from "./config";`, "Settings.rate"),
    },
  ],
  [
    "a default-exported object read by a helper in another module, assigned by the entry module",
    {
      config: `export default { rate: 1 };\n`,
      main: entry(`import Config from "./config";`, `Config.rate = Number(process.env.RATE);`),
      lib: reader(`import { rate } from "./rate";`, "rate()"),
      rate: `import Settings from "./config";\nexport function rate() { return Settings.rate; }\n`,
    },
  ],
  [
    "a class mutated through a namespace import, read by a helper of its module",
    {
      config: `export class Config { static rate = 1; }\nexport function rate() { return Config.rate; }\n`,
      main: entry(`import * as ns from "./config";`, `ns.Config.rate = Number(process.env.RATE);`),
      lib: reader(`import { rate } from "./config";`, "rate()"),
    },
  ],
  [
    "a class whose static method assigns through `this`",
    {
      config: `export class Config {\n  static rate = 1;\n  static setRate(r: number) { this.rate = r; }\n}\n`,
      main: entry(`import { Config } from "./config";`, `Config.setRate(Number(process.env.RATE));`),
      lib: reader(`import { Config } from "./config";`, "Config.rate"),
    },
  ],
];

describe.each(BUNDLERS)("%s: state across modules", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  const runBoth = (env: NodeJS.ProcessEnv = {}) => project.runAgainstUncached(env);

  test.each(ROWS)("%s counts by its value at call time", async (_, row) => {
    project = Project.create(bundler);
    project.write("src/config.ts", row.config);
    project.write("src/lib.ts", row.lib);
    project.write("src/main.ts", row.main);
    if (row.rate !== undefined) project.write("src/rate.ts", row.rate);
    await project.build();
    expect(await runBoth({ RATE: "2" })).toMatchObject({ result: 4, runs: { compute: 1 } });
    expect(await runBoth({ RATE: "3" })).toMatchObject({ result: 6, runs: { compute: 1 } });
    // Both values keep their own entry.
    expect(await runBoth({ RATE: "2" })).toMatchObject({ result: 4, runs: {} });
  });
});

/** A module with a side effect at load, holding state the cached function reads; reached only through `import()`. */
const LATE = `((globalThis as any).order ??= []).push("late");
export let factor = 2;
export function setFactor(f: number) { factor = f; }
export function scale(x: number) { return x * factor; }
`;

const LATE_MAIN = `((globalThis as any).order ??= []).push("main");
import { runs } from "./runs";
import { compute } from "./lib";
// Before late.js has loaded: its state is still the initial one.
const first = await compute(2);
const late = await import("./late.js");
late.setFactor(Number(process.env.FACTOR));
const second = await compute(2);
console.log(JSON.stringify({ result: { first, second, order: (globalThis as any).order }, runs }));
`;

const LATE_READERS: Array<[string, Record<string, string>]> = [
  [
    "the cached function",
    {
      "src/lib.ts": `import { countRun } from "./runs";
export async function compute(x: number) {
  "use cache";
  countRun("compute");
  const { scale } = await import("./late.js");
  return scale(x);
}
`,
    },
  ],
  [
    "a helper in another module",
    {
      "src/lib.ts": `import { countRun } from "./runs";
import { scaled } from "./helper";
export async function compute(x: number) {
  "use cache";
  countRun("compute");
  return scaled(x);
}
`,
      "src/helper.ts": `export async function scaled(x: number) {
  const late = await import("./late.js");
  return late.scale(x);
}
`,
    },
  ],
];

describe.each(BUNDLERS)("%s: a module reached only through `import()`", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test.each(LATE_READERS)("loads when the `import()` in %s runs, and its state keys the calls", async (_, files) => {
    project = Project.create(bundler);
    project.write("src/late.ts", LATE);
    project.write("src/main.ts", LATE_MAIN);
    for (const [file, content] of Object.entries(files)) project.write(file, content);
    await project.build();
    const expected = (factor: number) => ({ first: 4, second: 2 * factor, order: ["main", "late"] });
    const uncached = await project.run({ FACTOR: "3", CACHEPHANT: "off" });
    expect(uncached.result).toEqual(expected(3));
    // The first call keys late.js as not loaded yet, the second by its factor.
    expect(await project.run({ FACTOR: "3" })).toMatchObject({ result: expected(3), runs: { compute: 2 } });
    const second = await project.run({ FACTOR: "5" });
    expect(second).toMatchObject({ result: expected(5), runs: { compute: 1 } });
    expect(second.stderr).not.toMatch(/warning/);
    expect(await project.run({ FACTOR: "3" })).toMatchObject({ result: expected(3), runs: {} });
    expect(await project.run({ FACTOR: "5", CACHEPHANT: "off" })).toMatchObject({ result: expected(5) });
  });
});

describe("node --import register: state across modules", () => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  const start = async (env: NodeJS.ProcessEnv) => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "@cachephant/plugin/register", "app/main.mjs"],
      {
        cwd: project.dir,
        env: { ...process.env, CACHEPHANT_DIR: project.cacheDir, CACHEPHANT_DEBUG: "", CACHEPHANT: "", ...env },
      },
    );
    return { ...(JSON.parse(stdout) as { result: unknown; runs: number }), stderr };
  };

  test("a class static the entry module assigns, and a module reached only through `import()`", async () => {
    project = Project.create("esbuild")
      .write("app/config.mjs", `export class Config { static rate = 1; }\n`)
      .write(
        "app/late.mjs",
        `(globalThis.order ??= []).push("late");\nexport let factor = 2;\nexport function setFactor(f) { factor = f; }\nexport function scale(x) { return x * factor; }\n`,
      )
      .write(
        "app/lib.mjs",
        `import { Config } from "./config.mjs";
export const runs = { count: 0 };
export async function compute(x) {
  "use cache";
  runs.count++;
  const { scale } = await import("./late.mjs");
  return scale(x) * Config.rate;
}
`,
      )
      .write(
        "app/main.mjs",
        `(globalThis.order ??= []).push("main");
import { Config } from "./config.mjs";
import { compute, runs } from "./lib.mjs";
Config.rate = Number(process.env.RATE);
const first = await compute(2);
const late = await import("./late.mjs");
late.setFactor(Number(process.env.FACTOR));
const second = await compute(2);
console.log(JSON.stringify({ result: { first, second, order: globalThis.order }, runs: runs.count }));
`,
      );
    const expected = (rate: number, factor: number) => ({
      first: 4 * rate,
      second: 2 * factor * rate,
      order: ["main", "late"],
    });
    expect((await start({ RATE: "2", FACTOR: "3", CACHEPHANT: "off" })).result).toEqual(expected(2, 3));
    const first = await start({ RATE: "2", FACTOR: "3" });
    expect(first).toMatchObject({ result: expected(2, 3) });
    expect((await start({ RATE: "5", FACTOR: "3" })).result).toEqual(expected(5, 3));
    expect((await start({ RATE: "2", FACTOR: "7" })).result).toEqual(expected(2, 7));
    // Under the hook a module that has not registered may have run (CommonJS is not seen): such a call runs uncached, never stale.
    const again = await start({ RATE: "2", FACTOR: "3" });
    expect(again.result).toEqual(expected(2, 3));
    expect(again.runs).toBeLessThan(2);
  });
});
