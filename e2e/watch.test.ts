// Dev servers and watch builds: a change to a file that a cached function's
// hash depends on (and nothing else) makes the bundler transform the
// function's module again, so it never runs with a stale hash.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, expect, test } from "vitest";
import { Project } from "./helpers/project.js";

const run = promisify(execFile);
const helpers = join(dirname(fileURLToPath(import.meta.url)), "helpers");

const lib = `import { countRun } from "./runs";
import { total } from "./math/total";
export async function report(xs: number[]) {
  "use cache";
  countRun("report");
  return total(xs);
}
`;
const files = {
  "src/lib.ts": lib,
  "src/math/total.ts": `import { round } from "./round";\nexport function total(xs: number[]) { return round(xs.reduce((a, b) => a + b, 0)); }\n`,
  "src/math/round.ts": `export function round(x: number) { return Math.round(x * 10) / 10; }\n`,
  "src/scenario.ts": `import { report } from "./lib";\nexport async function scenario() {\n  return report([1.26, 2.5]);\n}\n`,
};

let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

function hashLines(stdout: string): string[][] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as string[]);
}

test("esbuild: watch mode rebuilds when a helper outside the bundle changes, with a new hash", async () => {
  project = Project.create("esbuild");
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  // round.ts stays external: esbuild itself never loads it, so only the
  // plugin's watchFiles can make a change to it trigger a rebuild.
  const { stdout } = await run(
    process.execPath,
    [join(helpers, "watch-esbuild.mjs"), "src/math/round.ts", "* 10) / 10", "* 100) / 100", "src/math/round.ts"],
    { cwd: project.dir },
  );
  const [before, after] = hashLines(stdout);
  expect(before).toHaveLength(1);
  expect(after, "no rebuild after the helper changed").toHaveLength(1);
  expect(after![0]).not.toBe(before![0]);
});

test("vite: the dev server transforms the module again after a helper two imports away changes", async () => {
  project = Project.create("vite");
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  const { stdout } = await run(
    process.execPath,
    [join(helpers, "watch-vite.mjs"), "/src/lib.ts", "src/math/round.ts", "* 10) / 10", "* 100) / 100"],
    { cwd: project.dir },
  );
  const [before, after] = hashLines(stdout);
  expect(before).toHaveLength(1);
  expect(after![0]).not.toBe(before![0]);
});

test("vite: a module that starts mutating exported data makes the dev server transform the reading module again", async () => {
  project = Project.create("vite");
  project.write(
    "src/h.ts",
    `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }\n`,
  );
  project.write(
    "src/lib.ts",
    `import { read } from "./h";\nexport async function report(x: number) {\n  "use cache";\n  return read(x);\n}\n`,
  );
  project.write("src/admin.ts", `import { shared } from "./h";\nexport const peek = () => shared.n + 1;\n`);
  const { stdout } = await run(
    process.execPath,
    [join(helpers, "watch-vite.mjs"), "/src/lib.ts", "src/admin.ts", "shared.n + 1", "shared.n++"],
    { cwd: project.dir },
  );
  const [before, after] = hashLines(stdout);
  // Only read elsewhere: counted by its code, nothing read per call.
  expect(before).toHaveLength(1);
  // admin.ts is not among lib.ts's imports, yet its new mutation puts `shared` in the key.
  expect(after).toEqual([before![0], 'state [["src/h.ts", "shared"]]']);
});

/** Runs `runner-vite.mjs`: two calls through a dev server's module runner, with an edit and its HMR update between them. */
async function throughRunner(
  args: string[],
): Promise<[...Array<{ result: unknown; ran: Record<string, number> }>, { client: string[] }]> {
  const { stdout } = await run(process.execPath, [join(helpers, "runner-vite.mjs"), ...args], {
    cwd: project.dir,
    env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
  });
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as unknown);
  return lines as [...Array<{ result: unknown; ran: Record<string, number> }>, { client: string[] }];
}

test("vite: a module runner that ran a cached function computes again after a helper two imports away changes, past a module that accepts its own updates; the browser's copies get only Vite's own update", async () => {
  project = Project.create("vite");
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  // total.ts takes its own updates: Vite's update of round.ts stops there unless lib.ts is part of it.
  project.write("src/math/total.ts", `${files["src/math/total.ts"]}if (import.meta.hot) import.meta.hot.accept();\n`);
  const [before, after, browser] = await throughRunner([
    "/src/scenario.ts",
    "scenario",
    "src/math/round.ts",
    "* 10) / 10",
    "* 100) / 100",
  ]);
  expect(before).toEqual({ result: 3.8, ran: { report: 1 } });
  // An old hash would serve 3.8 from the cache.
  expect(after).toEqual({ result: 3.76, ran: { report: 1 } });
  // The browser's copies are not the plugin's to update: Vite's own update of total.ts, no page reload.
  expect(browser).toEqual({ client: ["update"] });
});

test("vite: a module runner computes again after a helper changes when the cached function's importer accepts its updates", async () => {
  project = Project.create("vite");
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  project.write("src/math/total.ts", `${files["src/math/total.ts"]}if (import.meta.hot) import.meta.hot.accept();\n`);
  // The importer swaps in each new lib.ts: only an HMR update of lib.ts itself reaches it.
  project.write(
    "src/scenario.ts",
    `import * as first from "./lib";\nlet lib = first;\nif (import.meta.hot) import.meta.hot.accept("./lib", (next) => { if (next) lib = next as typeof first; });\nexport async function scenario() {\n  return lib.report([1.26, 2.5]);\n}\n`,
  );
  const [before, after] = await throughRunner([
    "/src/scenario.ts",
    "scenario",
    "src/math/round.ts",
    "* 10) / 10",
    "* 100) / 100",
  ]);
  expect(before).toEqual({ result: 3.8, ran: { report: 1 } });
  expect(after).toEqual({ result: 3.76, ran: { report: 1 } });
});

test("vite: a module runner keys a cached call by exported data once another module starts mutating it", async () => {
  project = Project.create("vite");
  project.write(
    "src/h.ts",
    `export const shared = { n: 1 };\nexport function read(x: number) { return x + shared.n; }\n`,
  );
  project.write(
    "src/lib.ts",
    `import { countRun } from "./runs";\nimport { read } from "./h";\nexport async function report(x: number) {\n  "use cache";\n  countRun("report");\n  return read(x);\n}\n`,
  );
  // admin.ts takes its own updates: the edit alone updates no module that reads \`shared\`.
  project.write(
    "src/admin.ts",
    `import { shared } from "./h";\nexport const peek = () => shared.n + 1;\nif (import.meta.hot) import.meta.hot.accept();\n`,
  );
  project.write(
    "src/scenario.ts",
    `import { report } from "./lib";\nexport async function scenario() {\n  return report(10);\n}\nexport async function poke() {\n  return (await import("./admin")).peek();\n}\n`,
  );
  // After the edit, poke() mutates shared.n (1 → 2) before the second call.
  const [before, after] = await throughRunner([
    "/src/scenario.ts",
    "scenario",
    "src/admin.ts",
    "shared.n + 1",
    "shared.n++",
    "then:poke",
  ]);
  expect(before).toEqual({ result: 11, ran: { report: 1 } });
  // Counted by its code, the call would be served 11 from the cache.
  expect(after).toEqual({ result: 12, ran: { report: 1 } });
});

test("vite: code loaded by the dev server runs cached, across server restarts", async () => {
  project = Project.create("vite");
  const load = async () => {
    const { stdout } = await run(process.execPath, [join(helpers, "dev-vite.mjs"), "/src/lib.ts", "square", "7"], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
    });
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as unknown;
  };
  expect(await load()).toEqual({ result: 49, runs: { square: 1 } });
  expect(await load()).toEqual({ result: 49, runs: {} });
});
