// What a build costs before it analyses anything: the core's analysis (Babel
// and all, about 0.4 s of a process's start) loads only when a module needs
// it. A rebuild served from the build cache, and a `--import` run whose
// modules all come from it, never load the parser.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const run = promisify(execFile);
let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

/** Node's module debug log names each CommonJS file it loads; Babel's packages are CommonJS. */
const BABEL_LOADED = /load "[^"]*@babel\/(?:parser|traverse|types)\//;

describe.each(BUNDLERS)("%s", (bundler) => {
  test("a rebuild with nothing changed never loads the parser, and its program still hits the cache", async () => {
    project = Project.create(bundler, { buildEnv: { NODE_DEBUG: "module" } });
    const first = await project.build();
    expect(first.stderr).toMatch(BABEL_LOADED);
    expect((await project.run()).runs).toEqual({ square: 2 });

    const second = await project.build();
    expect(second.stderr).not.toMatch(BABEL_LOADED);
    // The output is the one the first build wrote: the program's results come from the cache.
    expect(await project.run()).toMatchObject({ result: [9, 16], runs: {} });
  });
});

test("node --import register: a second run with nothing changed never loads the parser", async () => {
  project = Project.create("esbuild").write(
    "app/main.mjs",
    `async function compute(n) {\n  "use cache";\n  globalThis.runs = (globalThis.runs ?? 0) + 1;\n  return n * 2;\n}\nconsole.log(JSON.stringify({ result: await compute(4), runs: globalThis.runs ?? 0 }));\n`,
  );
  const start = () =>
    run(process.execPath, ["--import", "@cachephant/plugin/register", "app/main.mjs"], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir, NODE_DEBUG: "module" },
    });
  const first = await start();
  expect(first.stderr).toMatch(BABEL_LOADED);
  expect(JSON.parse(first.stdout)).toEqual({ result: 8, runs: 1 });

  const second = await start();
  expect(second.stderr).not.toMatch(BABEL_LOADED);
  expect(JSON.parse(second.stdout)).toEqual({ result: 8, runs: 0 });
});
