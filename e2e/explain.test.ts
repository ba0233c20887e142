// `cachephant explain` and `cachephant report` as a user runs them, on a
// project built by a real bundler: what explain shows of a key is checked
// against the hash inputs the build put into the program itself (the meta's
// `deps`, `scope` and `state`), after a build and before any run, then with
// the store's entries, for a `cached()` function, and in a real browser.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import type { FunctionExplanation, ReachedNode } from "@cachephant/runtime";
import { BUNDLERS, CLI_PATH, Project } from "./helpers/project.js";

const run = promisify(execFile);
const CHROMIUM = "/usr/bin/chromium";

const FILES: Record<string, string> = {
  "node_modules/fake-stats/package.json": JSON.stringify({
    name: "fake-stats",
    version: "1.2.3",
    type: "module",
    main: "index.js",
  }),
  "node_modules/fake-stats/index.js": `export function mean(xs) { return xs.reduce((a, b) => a + b, 0) / xs.length; }\n`,
  "src/format.ts": `export const UNIT = "kg";
export function round(x: number, digits: number): number {
  return Number(x.toFixed(clamp(digits)));
}
function clamp(digits: number): number {
  return Math.max(0, Math.min(digits, 6));
}
export function unused(): string {
  return "not reached";
}
`,
  "src/lib.ts": `import { mean } from "fake-stats";
import { countRun } from "./runs";
import { round, UNIT } from "./format";

export let mode = "plain";
export function setMode(next: string) { mode = next; }
const factor = 2;

export async function average(xs: number[], { digits = 1 } = {}, log?: (s: string) => void) {
  "use cache: ttl=1h; ignore=log";
  countRun("average");
  log?.("computing");
  return \`\${round(mean(xs) * factor, digits)} \${UNIT} \${mode} \${process.env.REPORT_LABEL ?? ""}\`;
}

export async function square(n: number): Promise<number> {
  "use cache";
  countRun("square");
  return n * n;
}
`,
  "src/other.ts": `export async function square(n: number): Promise<number> {
  "use cache";
  return n * n * 1;
}
`,
  "src/scenario.ts": `import { average, square, setMode } from "./lib";
import { square as otherSquare } from "./other";
export async function scenario() {
  const out = [await average([1, 2, 3]), await average([1, 2, 3]), await average([4, 5]), await square(3), await otherSquare(2)];
  setMode("fancy");
  out.push(await average([4, 5]));
  return out;
}
`,
  "notebook.mjs": `import { cached } from "@cachephant/runtime";
const scaled = cached(async function scaled(n, rate) { return n * rate; });
console.log(JSON.stringify({ result: [await scaled(2, 3), await scaled(5, 3)] }));
`,
};

/** The meta the build put into the program for a function: the hash inputs the runtime is given. */
function builtMeta(
  bundle: string,
  name: string,
  file: string,
): { deps: Array<[string, string]>; scope: string[]; state: Array<[string, string]> } {
  const start = bundle.search(new RegExp(`name:\\s*"${name}",\\s*file:\\s*"${file.replace(/[.]/g, "\\.")}"`));
  expect(start, `the meta of ${file}:${name} in the bundle`).toBeGreaterThan(0);
  const meta = bundle.slice(start, bundle.indexOf("}", bundle.indexOf("deps:", start)));
  const scope = /scope:\s*(\[[^\]]*\])/.exec(meta)?.[1];
  const state = /state:\s*(\[\[.*?\]\])/.exec(meta)?.[1];
  // A string literal, in double quotes or (esbuild) single ones.
  const literal = /deps:\s*("(?:[^"\\]|\\.)*"|'[^']*')/.exec(meta)![1]!;
  const deps = literal.startsWith("'") ? literal.slice(1, -1) : (JSON.parse(literal) as string);
  return {
    deps: JSON.parse(deps) as Array<[string, string]>,
    scope: scope ? (JSON.parse(scope) as string[]) : [],
    state: state ? (JSON.parse(state) as Array<[string, string]>) : [],
  };
}

function labels(nodes: readonly ReachedNode[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    into.add(node.label);
    labels(node.reaches ?? [], into);
  }
  return into;
}

describe.each(BUNDLERS)("%s: explain", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });
  const cachephant = (...args: string[]) =>
    run(process.execPath, [CLI_PATH, ...args], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
    });
  const explainJson = async (query: string) =>
    JSON.parse((await cachephant("explain", query, "--json")).stdout) as FunctionExplanation;

  test("after a build, before any run: the tree names exactly what the hash covers, with file:line, packages, variables, parameters and ttl", async () => {
    project = Project.create(bundler);
    for (const [file, content] of Object.entries(FILES)) project.write(file, content);
    await project.build();
    const meta = builtMeta(project.read("dist/main.mjs"), "average", "src/lib.ts");

    const average = await explainJson("average");
    expect(average).toMatchObject({ format: 1, name: "average", file: "src/lib.ts", line: 9, source: "build" });
    // Every helper, package and variable the hash covers, and nothing else.
    expect(labels(average.reaches)).toEqual(
      new Set(meta.deps.map(([label]) => label).filter((label) => label !== "own code")),
    );
    expect(average.ownCode).toBe(meta.deps[0]![1]);
    const round = average.reaches.find((node) => node.label === "helper round (src/format.ts)");
    expect(round).toMatchObject({
      file: "src/format.ts",
      line: 2,
      reaches: [{ label: "helper clamp (src/format.ts)", file: "src/format.ts", line: 5 }],
    });
    expect(average.packages).toEqual([{ name: "fake-stats", version: "1.2.3" }]);
    // By value: the meta's scope and state, each once; by code: the variables the hash covers and reads by no value.
    const byValue = average.variables
      .filter((variable) => variable.by === "value")
      .map((variable) => variable.name)
      .sort();
    expect(byValue).toEqual([...new Set([...meta.scope, ...meta.state.map(([, name]) => name)])].sort());
    expect(average.variables).toContainEqual({ name: "mode", by: "value", kind: "state", file: "src/lib.ts", line: 5 });
    expect(average.variables).toContainEqual({
      name: "factor",
      by: "value",
      kind: "scope",
      file: "src/lib.ts",
      line: 7,
    });
    expect(average.variables).toContainEqual({ name: "runs", by: "code", kind: "code", file: "src/runs.ts", line: 1 });
    expect(average.params).toEqual([
      { name: "xs", path: "args[0]", ignored: false },
      { name: "digits", path: "args[1].digits", default: "1", ignored: false },
      { name: "log", path: "args[2]", ignored: true },
    ]);
    expect(average).toMatchObject({
      ttl: 3_600_000,
      recordsInputs: true,
      entries: { count: 0, size: 0, superseded: 0 },
      computations: [],
    });

    const text = (await cachephant("explain", "src/lib.ts:9")).stdout;
    expect(text).toMatch(/^average {2}src\/lib\.ts:9$/m);
    expect(text).toMatch(
      /├─ helper round {2}src\/format\.ts:2 {2}[0-9a-f]{16}\n {2}│ {2}└─ helper clamp {2}src\/format\.ts:5/,
    );
    expect(text).toMatch(/^ {2}mode +src\/lib\.ts:5 +by value at call time \(changes after load\)$/m);
    expect(text).toMatch(/^ {2}digits +args\[1\]\.digits +default 1$/m);
    expect(text).toMatch(/^ {2}log +args\[2\] +ignored$/m);
    expect(text).not.toContain("unused");
  });

  test("what a key walks once per process, and views keyed by their whole buffer: explain says so, in text and JSON", async () => {
    project = Project.create(bundler);
    project.write("rows.json", "[1, 2, 3]");
    project.write(
      "src/data.ts",
      `import { readFileSync } from "node:fs";
const rows = JSON.parse(readFileSync("rows.json", "utf8")) as number[];
export async function total(view: Uint8Array) {
  "use cache";
  return rows.reduce((sum, row) => sum + row, 0) + new Uint8Array(view.buffer).length;
}
export async function plain(view: Uint8Array) {
  "use cache";
  return view.length;
}
`,
    );
    project.write(
      "src/scenario.ts",
      `import { plain, total } from "./data";\nexport async function scenario() {\n  return [await total(new Uint8Array(2)), await plain(new Uint8Array(2))];\n}\n`,
    );
    await project.build();
    const total = await explainJson("total");
    expect(total.variables).toContainEqual({
      name: "rows",
      by: "value",
      kind: "scope",
      file: "src/data.ts",
      line: 2,
      once: true,
    });
    expect(total.viewBuffers).toBe(true);
    const plain = await explainJson("plain");
    expect(plain.viewBuffers).toBeUndefined();
    expect(plain.variables.filter((variable) => variable.once)).toEqual([]);
    const text = (await cachephant("explain", "total")).stdout;
    expect(text).toMatch(/^ {2}rows +src\/data\.ts:2 +by value, once per process \(never changes after load\)$/m);
    expect(text).toContain("typed array views: by their whole buffer and place");
    expect((await cachephant("explain", "plain")).stdout).not.toContain("typed array views");
  });
});

describe("explain with the store's entries; report", () => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });
  const cachephant = (...args: string[]) =>
    run(process.execPath, [CLI_PATH, ...args], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
    });
  const explainJson = async (query: string) =>
    JSON.parse((await cachephant("explain", query, "--json")).stdout) as FunctionExplanation;
  const failure = async (...args: string[]) => {
    try {
      await cachephant(...args);
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
    throw new Error(`cachephant ${args.join(" ")} succeeded`);
  };

  test("after runs: entries, the run-time inputs read and each computation's reason; a name for none or several exits 2 with the candidates; an older build's record falls back to the store", async () => {
    project = Project.create("esbuild");
    for (const [file, content] of Object.entries(FILES)) project.write(file, content);
    await project.build();
    expect((await project.run({ REPORT_LABEL: "x" })).result).toEqual([
      "4 kg plain x",
      "4 kg plain x",
      "9 kg plain x",
      9,
      4,
      "9 kg fancy x",
    ]);

    const average = await explainJson("lib.ts:average");
    expect(average.entries).toMatchObject({ count: 3, superseded: 0 });
    expect(average.entries.lastUsed).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(average.inputs).toContainEqual({ kind: "env", name: "REPORT_LABEL" });
    // Newest first: the new mode, new arguments, then the first result.
    expect(average.computations.map((computation) => computation.reason)).toEqual([
      "new values: mode (src/lib.ts)",
      "new arguments: args[0]",
      "no earlier result in the store",
    ]);
    expect(average).toMatchObject({
      hits: expect.any(Number),
      misses: expect.any(Number),
      savedMs: expect.any(Number),
    });

    const ambiguous = await failure("explain", "square");
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('"square" names 2 cached functions; name one as file:name or file:line');
    expect(ambiguous.stderr).toContain("src/lib.ts:square (line 16)");
    expect(ambiguous.stderr).toContain("src/other.ts:square (line 1)");
    expect((await explainJson("src/other.ts:square")).file).toBe("src/other.ts");

    const none = await failure("explain", "averag");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no cached function matches "averag"; nearest:\n  src/lib.ts:average (line 9)');
    expect((await failure("explain")).code).toBe(2);

    // A record an older build wrote (hashes only) still reads: explain falls back to what the store holds.
    const records = join(project.dir, "node_modules", ".cache", "cachephant-functions");
    for (const name of readdirSync(records)) {
      const record = JSON.parse(readFileSync(join(records, name), "utf8")) as {
        functions: Array<Record<string, unknown>>;
      };
      record.functions = record.functions.map(({ name: fn, line, hash }) => ({ name: fn, line, hash }));
      writeFileSync(join(records, name), JSON.stringify(record));
    }
    const meta = builtMeta(project.read("dist/main.mjs"), "average", "src/lib.ts");
    const fromStore = await explainJson("average");
    expect(fromStore).toMatchObject({ source: "store", hash: average.hash, entries: { count: 3, superseded: 0 } });
    expect(fromStore.reaches.map((node) => node.label)).toEqual(
      meta.deps.map(([label]) => label).filter((label) => label !== "own code"),
    );
    expect(fromStore.packages).toEqual([{ name: "fake-stats", version: "1.2.3" }]);
    expect(fromStore.params).toEqual([
      { path: "args[0]", ignored: false },
      { path: "args[1].digits", ignored: false },
    ]);
  });

  test("a cached() function is explained from the store after it ran", async () => {
    project = Project.create("esbuild");
    for (const [file, content] of Object.entries(FILES)) project.write(file, content);
    expect((await failure("explain", "scaled")).code).toBe(2);
    expect((await project.run({}, "notebook.mjs")).result).toEqual([6, 15]);
    const scaled = await explainJson("scaled");
    expect(scaled).toMatchObject({
      name: "scaled",
      file: "notebook.mjs",
      line: 2,
      source: "store",
      reaches: [],
      entries: { count: 2 },
    });
    expect(scaled.params).toEqual([
      { path: "args[0]", ignored: false },
      { path: "args[1]", ignored: false },
    ]);
    expect(scaled.computations.map((computation) => computation.reason)).toEqual([
      "new arguments: args[0]",
      "no earlier result in the store",
    ]);
  });

  test("report: one static HTML file a headless chromium renders, with the table, the chart and each explanation", async (context) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get`);
      context.skip(`${CHROMIUM} is not installed (apt-get install chromium); CI installs it`);
    }
    project = Project.create("esbuild");
    for (const [file, content] of Object.entries(FILES)) project.write(file, content);
    await project.build();
    await project.run({ REPORT_LABEL: "x" });
    await project.run({}, "notebook.mjs");
    const out = join(project.dir, "out", "report.html");
    expect((await cachephant("report", "--out", "out/report.html")).stdout).toBe(
      `Wrote a report of 4 cached functions to ${out}\n`,
    );
    const html = readFileSync(out, "utf8");
    // No network: nothing is loaded from anywhere.
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);

    const url = `file://${out}#fn-src-lib-ts-average`;
    const browser = (...args: string[]) =>
      run(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", ...args, url], { timeout: 60_000 });
    const dom = (await browser("--dump-dom")).stdout;
    const rows = [...dom.matchAll(/<tr data-function="([^"]+)">/g)].map((match) => match[1]);
    expect(rows).toEqual(["scaled", "average", "square", "square"]);
    expect(dom).toMatch(/<tr data-function="average">[\s\S]*?<td class="n">3<\/td>/);
    expect(dom).toMatch(
      /<svg id="chart"[^>]*>(<g [^>]*><text[^>]*>[^<]+<\/text><rect [^>]*><\/rect><text[^>]*>[^<]+<\/text><\/g>){4}<\/svg>/,
    );
    // The linked function's explanation is open, with its tree.
    expect(dom).toMatch(/<details id="fn-src-lib-ts-average" data-function="average" open="">/);
    expect(dom).toMatch(
      /<li><span class="label">helper round<\/span> <span class="where">src\/format\.ts:2<\/span> <span class="hash">[0-9a-f]{16}<\/span><ul><li><span class="label">helper clamp<\/span> <span class="where">src\/format\.ts:5<\/span>/,
    );
    expect(dom).toContain("new values: mode (src/lib.ts)");

    const screenshot = join(project.dir, "out", "report.png");
    await browser(`--screenshot=${screenshot}`, "--window-size=1200,900");
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe("PNG");
  });
});
