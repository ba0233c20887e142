// Run-time inputs: what a cached call reads while it computes (an environment
// variable, argv, a file, a directory listing), also inside a helper in
// another module, is recorded with its entry and checked on the next run's
// hit. Each run is a new process sharing one cache folder; each result must
// equal what the same program returns with the cache off.
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const config = `export function apiUrl() {
  return process.env.API_URL ?? "none";
}
`;

const lib = `import { readFileSync, readdirSync, promises as fsp } from "node:fs";
import { countRun } from "./runs";
import { apiUrl } from "./config";

export async function fromEnv(x: number) {
  "use cache";
  countRun("fromEnv");
  return \`\${apiUrl()}/\${x}\`;
}

export async function fromArgv() {
  "use cache";
  countRun("fromArgv");
  return process.argv[2] ?? "none";
}

export async function fromFile() {
  "use cache";
  countRun("fromFile");
  return readFileSync("data.csv", "utf8").trim().split(",");
}

export async function fromPromise() {
  "use cache";
  countRun("fromPromise");
  return JSON.parse(await fsp.readFile("data.json", "utf8"));
}

export async function listing() {
  "use cache";
  countRun("listing");
  return readdirSync("data").sort();
}

export async function inner() {
  "use cache";
  countRun("inner");
  return readFileSync("rate.txt", "utf8").trim();
}

export async function outer() {
  "use cache";
  countRun("outer");
  return \`outer:\${await inner()}\`;
}

export async function envOff() {
  "use cache: inputs=off";
  countRun("envOff");
  return apiUrl();
}
`;

const scenario = `import * as lib from "./lib";
export async function scenario() {
  return (lib as Record<string, (x: number) => Promise<unknown>>)[process.env.WHICH!]!(1);
}
`;

// Sets argv[2] before the program starts, as \`node dist/main.mjs <arg>\` would.
const withArg = `process.argv.splice(2, 0, process.env.ARG ?? "");
await import("./dist/main.mjs");
`;

describe.each(BUNDLERS)("%s: run-time inputs", (bundler) => {
  let project: Project;
  let failed = false;

  beforeAll(async () => {
    project = Project.create(bundler);
    project.write("src/config.ts", config);
    project.write("src/lib.ts", lib);
    project.write("src/scenario.ts", scenario);
    project.write("with-arg.mjs", withArg);
    project.write("data.csv", "1,2");
    project.write("data.json", '{"rate":2}');
    project.write("data/a.csv", "");
    project.write("rate.txt", "2");
    await project.build();
  }, 120_000);
  afterAll(() => {
    if (!failed) project?.remove();
  });

  /** Runs `which` cached (debug lines on), then uncached, and checks both agree. */
  async function runBoth(which: string, env: NodeJS.ProcessEnv = {}, program?: string) {
    try {
      return await project.runAgainstUncached({ ...env, WHICH: which, CACHEPHANT_DEBUG: "1" }, program);
    } catch (error) {
      failed = true;
      throw error;
    }
  }
  const missLine = (stderr: string, name: string) =>
    stderr.split("\n").find((line) => line.startsWith(`cachephant miss ${name} `)) ?? "";

  test("an environment variable read by a helper in another module: unchanged is a hit, changed computes again and says why", async () => {
    expect(await runBoth("fromEnv", { API_URL: "a" })).toMatchObject({ result: "a/1", runs: { fromEnv: 1 } });
    expect(await runBoth("fromEnv", { API_URL: "a" })).toMatchObject({ result: "a/1", runs: {} });
    const changed = await runBoth("fromEnv", { API_URL: "b" });
    expect(changed).toMatchObject({ result: "b/1", runs: { fromEnv: 1 } });
    expect(missLine(changed.stderr, "fromEnv")).toMatch(/: env API_URL changed$/);
    expect(await runBoth("fromEnv", { API_URL: "b" })).toMatchObject({ result: "b/1", runs: {} });
    const unset = await runBoth("fromEnv");
    expect(unset).toMatchObject({ result: "none/1", runs: { fromEnv: 1 } });
  });

  test("process.argv[2]", async () => {
    expect(await runBoth("fromArgv", { ARG: "x" }, "with-arg.mjs")).toMatchObject({
      result: "x",
      runs: { fromArgv: 1 },
    });
    expect(await runBoth("fromArgv", { ARG: "x" }, "with-arg.mjs")).toMatchObject({ result: "x", runs: {} });
    const changed = await runBoth("fromArgv", { ARG: "y" }, "with-arg.mjs");
    expect(changed).toMatchObject({ result: "y", runs: { fromArgv: 1 } });
    expect(missLine(changed.stderr, "fromArgv")).toMatch(/: argv changed$/);
  });

  test("a file read with readFileSync: edited computes again; touched with the same content is still a hit", async () => {
    expect(await runBoth("fromFile")).toMatchObject({ result: ["1", "2"], runs: { fromFile: 1 } });
    expect(await runBoth("fromFile")).toMatchObject({ result: ["1", "2"], runs: {} });
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(project.dir, "data.csv"), later, later);
    expect(await runBoth("fromFile")).toMatchObject({ result: ["1", "2"], runs: {} });
    writeFileSync(join(project.dir, "data.csv"), "3,4");
    const edited = await runBoth("fromFile");
    expect(edited).toMatchObject({ result: ["3", "4"], runs: { fromFile: 1 } });
    expect(missLine(edited.stderr, "fromFile")).toMatch(/: input changed: data\.csv$/);
    expect(await runBoth("fromFile")).toMatchObject({ result: ["3", "4"], runs: {} });
  });

  test("a file read with fs.promises.readFile", async () => {
    expect(await runBoth("fromPromise")).toMatchObject({ result: { rate: 2 }, runs: { fromPromise: 1 } });
    expect(await runBoth("fromPromise")).toMatchObject({ result: { rate: 2 }, runs: {} });
    writeFileSync(join(project.dir, "data.json"), '{"rate":3}');
    const edited = await runBoth("fromPromise");
    expect(edited).toMatchObject({ result: { rate: 3 }, runs: { fromPromise: 1 } });
    expect(missLine(edited.stderr, "fromPromise")).toMatch(/: input changed: data\.json$/);
  });

  test("a directory listing that gained a file", async () => {
    expect(await runBoth("listing")).toMatchObject({ result: ["a.csv"], runs: { listing: 1 } });
    expect(await runBoth("listing")).toMatchObject({ result: ["a.csv"], runs: {} });
    writeFileSync(join(project.dir, "data", "b.csv"), "");
    const grown = await runBoth("listing");
    expect(grown).toMatchObject({ result: ["a.csv", "b.csv"], runs: { listing: 1 } });
    expect(missLine(grown.stderr, "listing")).toMatch(/: directory listing changed: data\/$/);
  });

  test("a nested cached call's inputs belong to the outer call, also when the inner call is a hit", async () => {
    expect(await runBoth("inner")).toMatchObject({ result: "2", runs: { inner: 1 } });
    // The inner call is a hit inside the outer one: its entry's inputs go to the outer entry.
    expect(await runBoth("outer")).toMatchObject({ result: "outer:2", runs: { outer: 1 } });
    expect(await runBoth("outer")).toMatchObject({ result: "outer:2", runs: {} });
    writeFileSync(join(project.dir, "rate.txt"), "3");
    const edited = await runBoth("outer");
    expect(edited).toMatchObject({ result: "outer:3", runs: { outer: 1, inner: 1 } });
    expect(missLine(edited.stderr, "outer")).toMatch(/: input changed: rate\.txt$/);
  });

  test("inputs=off: an environment variable it reads is not recorded (the old result stays)", async () => {
    const first = await project.run({ WHICH: "envOff", API_URL: "a" });
    expect(first).toMatchObject({ result: "a", runs: { envOff: 1 } });
    const second = await project.run({ WHICH: "envOff", API_URL: "b" });
    expect(second).toMatchObject({ result: "a", runs: {} });
  });
});
