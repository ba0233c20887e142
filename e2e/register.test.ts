// `node --import @cachephant/plugin/register app.mjs`: no bundler; Node's
// module hooks rewrite the project's modules as they load.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, expect, test } from "vitest";
import { Project } from "./helpers/project.js";

const run = promisify(execFile);
let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

test("the register hook caches across processes and follows helper edits", async () => {
  project = Project.create("esbuild")
    .write("app/helper.mjs", `export function double(n) { return n * 2; }\n`)
    .write(
      "app/main.mjs",
      `import { double } from "./helper.mjs";
globalThis.runs = 0; // a global: not part of the key, unlike a module variable
async function compute(n) {
  "use cache";
  globalThis.runs++;
  return double(n) + 1;
}
const result = [await compute(2), await compute(3)];
console.log(JSON.stringify({ result, runs: globalThis.runs }));
`,
    );
  const start = async () => {
    const { stdout } = await run(process.execPath, ["--import", "@cachephant/plugin/register", "app/main.mjs"], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
    });
    return JSON.parse(stdout) as { result: number[]; runs: number };
  };
  expect(await start()).toEqual({ result: [5, 7], runs: 2 });
  expect(await start()).toEqual({ result: [5, 7], runs: 0 });
  project.write("app/helper.mjs", `export function double(n) { return n + n + 0; }\n`);
  expect(await start()).toEqual({ result: [5, 7], runs: 2 });
});

test("the register hook: instances of a class another module declares, returned through its helper, come back as instances", async () => {
  project = Project.create("esbuild")
    .write(
      "app/samples.mjs",
      `export class Sample {
  constructor(v) { this.v = v; }
  twice() { return 2 * this.v; }
}
export function parseSamples(text) { return text.split(",").map((v) => new Sample(Number(v))); }
`,
    )
    .write(
      "app/main.mjs",
      `import { parseSamples, Sample } from "./samples.mjs";
globalThis.runs = 0;
async function load(text) {
  "use cache";
  globalThis.runs++;
  return parseSamples(text);
}
const samples = await load("1,2,3");
const result = samples.map((s) => s instanceof Sample && s.twice());
console.log(JSON.stringify({ result, runs: globalThis.runs }));
`,
    );
  const start = async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "@cachephant/plugin/register", "app/main.mjs"],
      {
        cwd: project.dir,
        env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
      },
    );
    return { ...(JSON.parse(stdout) as { result: number[]; runs: number }), stderr };
  };
  const first = await start();
  expect(first).toMatchObject({ result: [2, 4, 6], runs: 1 });
  expect(first.stderr).not.toMatch(/not stored/);
  expect(await start()).toMatchObject({ result: [2, 4, 6], runs: 0 });
});

test("the register hook reports a misused directive once: file:line:column, frame, fix and code, no stack", async () => {
  project = Project.create("esbuild").write(
    "app/main.mjs",
    `export function sync(n) {\n  "use cache";\n  return n;\n}\nconsole.log(sync(1));\n`,
  );
  const failure = await run(process.execPath, ["--import", "@cachephant/plugin/register", "app/main.mjs"], {
    cwd: project.dir,
    env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
  }).then(
    () => {
      throw new Error("the program ran, but the hook should have refused it");
    },
    (error: { code: number; stderr: string }) => error,
  );
  expect(failure.code).not.toBe(0);
  const { stderr } = failure;
  expect(stderr).toContain("app/main.mjs:1:8:");
  expect(stderr).toContain("CACHEPHANT_NOT_ASYNC");
  expect(stderr.match(/^\s*>\s*1\s*\|/gm)).toHaveLength(1); // the code frame, once
  expect(stderr.match(/Fix: /g)).toHaveLength(1);
  expect(stderr).not.toMatch(/@babel|node_modules\/\.pnpm|^\s+at /m);
});
