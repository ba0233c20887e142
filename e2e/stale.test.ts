// Never a stale result: state that changes at run time, and code that runs
// when a module loads. Each row is built with a real bundler and run in
// separate processes sharing one cache folder; each run's result must equal
// what the same program returns with the cache off, and a third run in check
// mode (CACHEPHANT_CHECK=1) must find nothing stale.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project, type RunOutput } from "./helpers/project.js";

/**
 * Runs the program in check mode (every hit also computes and compares with
 * what is stored; docs/keys.md): its result is the uncached one, each call
 * computed once as uncached (every call is a hit, checked once), and the
 * check report stays empty.
 */
async function expectNoFindings(project: Project, env: NodeJS.ProcessEnv, uncached: RunOutput) {
  const report = join(project.dir, "check-report.jsonl");
  const checked = await project.run({ ...env, CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report });
  expect(checked.result).toEqual(uncached.result);
  expect(checked.runs).toEqual(uncached.runs);
  expect(checked.stderr).not.toMatch(/cachephant: (stale|nondeterministic):/);
  expect(existsSync(report) ? readFileSync(report, "utf8") : "").toBe("");
}

const scenario = (call: string) =>
  `import * as lib from "./lib";\nimport * as helpers from "./helpers";\nexport async function scenario() {\n${call}\n}\n`;

const cachedLabel = `import { countRun } from "./runs";
import { label } from "./helpers";
export async function compute(x: number) {
  "use cache";
  countRun("compute");
  return label(x);
}
`;

describe.each(BUNDLERS)("%s: never a stale result", (bundler) => {
  // Load-time code is folded into hashes by the core alone, whatever the
  // bundler: those rows run with esbuild only; state goes through each bundler.
  const loadTimeTest = bundler === "esbuild" ? test : test.skip;
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  /**
   * Runs the built program cached, and checks the result is the uncached one;
   * then once more in check mode (a hit computes too): no finding.
   */
  async function runBoth(env: NodeJS.ProcessEnv = {}) {
    const cached = await project.run(env);
    const uncached = await project.run({ ...env, CACHEPHANT: "off" });
    expect(cached.result).toEqual(uncached.result);
    // Each call of the checked run computes once, as in the uncached one.
    await expectNoFindings(project, env, uncached);
    return cached;
  }

  function create(helpers: string, call: string) {
    project = Project.create(bundler);
    project.write("src/helpers.ts", helpers);
    project.write("src/lib.ts", cachedLabel);
    project.write("src/scenario.ts", scenario(call));
  }

  test("a module `let` changed through a setter, read by a helper in another module, counts by its value", async () => {
    create(
      `let mode = "a";
export function setMode(m: string) { mode = m; }
export function label(x: number) { return mode + x; }
`,
      `(helpers as any).setMode(process.env.STALE_ARG ?? "a");\nreturn lib.compute(1);`,
    );
    await project.build();
    expect(await runBoth({ STALE_ARG: "a" })).toMatchObject({ result: "a1", runs: { compute: 1 } });
    expect(await runBoth({ STALE_ARG: "b" })).toMatchObject({ result: "b1", runs: { compute: 1 } });
    // Both values keep their own entry.
    expect(await runBoth({ STALE_ARG: "a" })).toMatchObject({ result: "a1", runs: {} });
  });

  test("a `const` object mutated by `configure()` counts by its value", async () => {
    create(
      `const config = { unit: "m" };
export function configure(unit: string) { config.unit = unit; }
export function label(x: number) { return x + config.unit; }
`,
      `(helpers as any).configure(process.env.STALE_ARG ?? "m");\nreturn lib.compute(1);`,
    );
    await project.build();
    expect(await runBoth({ STALE_ARG: "m" })).toMatchObject({ result: "1m", runs: { compute: 1 } });
    expect(await runBoth({ STALE_ARG: "km" })).toMatchObject({ result: "1km", runs: { compute: 1 } });
    expect(await runBoth({ STALE_ARG: "m" })).toMatchObject({ result: "1m", runs: {} });
  });

  test("data a module makes at load from a file or an environment variable, read by a helper in a template, counts by its value", async () => {
    create(
      `import { readFileSync } from "node:fs";
const cfg = JSON.parse(readFileSync("cfg.json", "utf8"));
const SCALE = process.env.SCALE ?? "1";
export function label(x: number) { return \`\${x * Number(SCALE)} \${cfg.unit}\`; }
`,
      "return lib.compute(5);",
    );
    await project.build();
    project.write("cfg.json", '{"unit":"m"}');
    expect(await runBoth({ SCALE: "1" })).toMatchObject({ result: "5 m", runs: { compute: 1 } });
    project.write("cfg.json", '{"unit":"km"}');
    expect(await runBoth({ SCALE: "1" })).toMatchObject({ result: "5 km", runs: { compute: 1 } });
    expect(await runBoth({ SCALE: "2" })).toMatchObject({ result: "10 km", runs: { compute: 1 } });
    // Each value keeps its own entry.
    expect(await runBoth({ SCALE: "1" })).toMatchObject({ result: "5 km", runs: {} });
  });

  /** Builds and runs, edits `helpers.ts`, builds and runs again: the edit must show. */
  async function editBetweenBuilds(before: string, after: string, expected: [unknown, unknown]) {
    create(before, "return lib.compute(1);");
    await project.build();
    expect(await runBoth()).toMatchObject({ result: expected[0], runs: { compute: 1 } });
    project.write("src/helpers.ts", after);
    await project.build();
    expect(await runBoth()).toMatchObject({ result: expected[1], runs: { compute: 1 } });
  }

  loadTimeTest("a `let` assigned at load counts by the code assigned", async () => {
    const helpers = (body: string) => `let impl: (x: number) => number;
impl = (x) => ${body};
export function label(x: number) { return impl(x); }
`;
    await editBetweenBuilds(helpers("x * 2"), helpers("x * 200"), [2, 200]);
  });

  loadTimeTest("a class static assigned after the class counts as the class's code", async () => {
    const helpers = (rate: string) => `class Config { static base = 1; }
Config.rate = ${rate};
export function label(x: number) { return x * (Config as any).rate; }
`;
    await editBetweenBuilds(helpers("3"), helpers("300"), [3, 300]);
  });

  loadTimeTest("functions put into a `const` object at load with Object.assign count by their code", async () => {
    const helpers = (body: string) => `export const fns: Record<string, (x: number) => number> = {};
Object.assign(fns, { f: (x: number) => ${body} });
export function label(x: number) { return fns.f!(x); }
`;
    await editBetweenBuilds(helpers("x + 2"), helpers("x + 200"), [3, 201]);
  });

  loadTimeTest("a prototype method assigned at load counts as the class's code", async () => {
    const helpers = (body: string) => `function Shape(this: any, x: number) { this.x = x; }
Shape.prototype.area = function (this: any) { return ${body}; };
export function label(x: number) { return new (Shape as any)(x).area(); }
`;
    await editBetweenBuilds(helpers("this.x * 2"), helpers("this.x * 20"), [2, 20]);
  });

  loadTimeTest("a Map filled at load with `registry.set` counts by what was put in", async () => {
    const helpers = (body: string) => `const registry = new Map<string, (x: number) => number>();
registry.set("double", (x) => ${body});
export function label(x: number) { return registry.get("double")!(x); }
`;
    await editBetweenBuilds(helpers("x * 2"), helpers("x * 3"), [2, 3]);
  });
});

describe("never a stale result without a bundler, and what cannot be known", () => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("node --import register: a module `let` changed through a setter, read by a helper in another module", async () => {
    const run = promisify(execFile);
    project = Project.create("esbuild")
      .write(
        "app/helpers.mjs",
        `let mode = "a";\nexport function setMode(m) { mode = m; }\nexport function label(x) { return mode + x; }\n`,
      )
      .write(
        "app/main.mjs",
        `import { label, setMode } from "./helpers.mjs";
let runs = 0;
async function compute(x) {
  "use cache";
  runs++;
  return label(x);
}
setMode(process.env.STALE_ARG);
const result = await compute(1);
console.log(JSON.stringify({ result, runs }));
`,
      );
    const start = async (arg: string, env: NodeJS.ProcessEnv = {}) => {
      const { stdout, stderr } = await run(
        process.execPath,
        ["--import", "@cachephant/plugin/register", "app/main.mjs"],
        {
          cwd: project.dir,
          env: { ...process.env, CACHEPHANT_DIR: project.cacheDir, CACHEPHANT_CHECK: "", STALE_ARG: arg, ...env },
        },
      );
      expect(stderr).not.toMatch(/cachephant: (stale|nondeterministic):/);
      return JSON.parse(stdout) as { result: string; runs: number };
    };
    expect(await start("a")).toEqual({ result: "a1", runs: 1 });
    expect(await start("b")).toEqual({ result: "b1", runs: 1 });
    expect(await start("a")).toEqual({ result: "a1", runs: 0 });
    // Check mode: both hits compute once more, and nothing is found stale.
    const report = join(project.dir, "check-report.jsonl");
    for (const arg of ["a", "b"]) {
      expect(await start(arg, { CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report })).toEqual({
        result: `${arg}1`,
        runs: 1,
      });
    }
    expect(existsSync(report)).toBe(false);
  });

  test("esbuild: `eval` in a reached helper is one build warning naming it, its file and line, and the function", async () => {
    project = Project.create("esbuild");
    project.write("src/helpers.ts", `export function label(x: number) {\n  return eval("x * 2");\n}\n`);
    project.write("src/lib.ts", cachedLabel);
    project.write("src/scenario.ts", scenario("return lib.compute(1);"));
    const { stderr } = await project.build();
    const lines = stderr.split("\n").filter((line) => line.includes("eval: the build cannot know"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "src/helpers.ts:2: eval: the build cannot know what it does, so cached results of compute (src/lib.ts:3)",
    );
  });
});
