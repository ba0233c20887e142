// Check mode (docs/keys.md "Check mode"): a hit also computes, and a result
// that differs from the stored one is reported. Each case is built with a
// real bundler and run in separate processes sharing one cache folder.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

/** The lines of a check report; none when the file is absent. */
function findings(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A server on the loopback address answering every request with `body.current`. */
async function serve(body: { current: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "text/plain");
    response.end(body.current);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/price`, server };
}

describe.each(BUNDLERS)("%s: check mode", (bundler) => {
  let project: Project;
  let server: Server | undefined;
  afterEach((context) => {
    server?.close();
    server = undefined;
    if (context.task.result?.state === "pass") project?.remove();
  });

  function create(lib: string, call: string) {
    project = Project.create(bundler);
    project.write("src/lib.ts", lib);
    project.write(
      "src/scenario.ts",
      `import * as lib from "./lib";\nexport async function scenario() {\n  ${call}\n}\n`,
    );
  }

  const checked = () => {
    const report = join(project.dir, "check-report.jsonl");
    return { report, env: { CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report } };
  };

  test("a function that reads the network is found stale: reported with what its key covered, the fresh result returned and stored", async () => {
    const body = { current: "41" };
    const served = await serve(body);
    server = served.server;
    create(
      `import { countRun } from "./runs";
export async function price(url: string) {
  "use cache";
  countRun("price");
  const response = await fetch(url);
  return Number(await response.text());
}
`,
      "return lib.price(process.env.PRICE_URL!);",
    );
    await project.build();
    const env = { PRICE_URL: served.url };
    expect(await project.run(env)).toMatchObject({ result: 41, runs: { price: 1 } });
    body.current = "42";
    // The network is not in the key: without check mode the old result is a hit.
    expect(await project.run(env)).toMatchObject({ result: 41, runs: {} });

    const { report, env: check } = checked();
    const run = await project.run({ ...env, ...check });
    // Computed once to compare, once more to tell stale from nondeterministic.
    expect(run).toMatchObject({ result: 42, runs: { price: 2 } });
    const said = run.stderr.split("\n").filter((line) => line.startsWith("cachephant: "));
    expect(said).toEqual([
      expect.stringMatching(
        /^cachephant: stale: price \(src\/lib\.ts:2\): the stored result differs from a fresh one \(the fresh one is returned and stored\)\. Its key covered code [0-9a-f]{12}, arguments args\[0\], reaching own code/,
      ),
    ]);
    const lines = findings(report);
    expect(lines).toEqual([
      {
        kind: "stale",
        function: "price",
        file: "src/lib.ts",
        line: 2,
        hash: expect.stringMatching(/^[0-9a-f]+$/),
        key: expect.stringMatching(/^cachephant:v2:/),
        covered: {
          code: lines[0]!.hash,
          arguments: ["args[0]"],
          ignored: [],
          scope: [],
          state: [],
          reaches: expect.arrayContaining(["own code"]),
        },
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        pid: expect.any(Number),
      },
    ]);
    expect(lines[0]!.key).toContain(lines[0]!.hash as string);

    // The fresh result was stored: the next run without check mode reads it.
    body.current = "43";
    expect(await project.run(env)).toMatchObject({ result: 42, runs: {} });
  });

  test("a function returning Math.random() is reported as nondeterministic, and its entry is kept", async () => {
    create(
      `import { countRun } from "./runs";
export async function roll() {
  "use cache";
  countRun("roll");
  return Math.random();
}
`,
      "return lib.roll();",
    );
    await project.build();
    const first = await project.run<number>();
    expect(first.runs).toEqual({ roll: 1 });

    const { report, env } = checked();
    const run = await project.run<number>(env);
    expect(run.runs).toEqual({ roll: 2 });
    expect(run.result).not.toBe(first.result);
    expect(run.stderr).toMatch(/^cachephant: nondeterministic: roll \(src\/lib\.ts:2\): two fresh computations/m);
    expect(run.stderr).not.toContain("stale:");
    expect(findings(report)).toEqual([
      expect.objectContaining({ kind: "nondeterministic", function: "roll", file: "src/lib.ts", line: 2 }),
    ]);

    expect(await project.run<number>()).toMatchObject({ result: first.result, runs: {} });
  });

  test("processes checking at once share one report file: one whole JSON line per finding", async () => {
    create(
      `export async function roll(i: number) {
  "use cache";
  return i + Math.random();
}
`,
      "const out: number[] = [];\n  for (let i = 0; i < 40; i++) out.push(await lib.roll(i));\n  return out.length;",
    );
    await project.build();
    await project.run();
    const { report, env } = checked();
    await Promise.all([project.run(env), project.run(env), project.run(env)]);
    const lines = findings(report);
    expect(lines).toHaveLength(120);
    expect(new Set(lines.map((line) => line.pid)).size).toBe(3);
    expect(lines.every((line) => line.kind === "nondeterministic" && line.function === "roll")).toBe(true);
  });

  test("an honest function under check mode: every hit computes once more, zero findings, no report file", async () => {
    project = Project.create(bundler);
    await project.build();
    expect(await project.run()).toMatchObject({ result: [9, 16], runs: { square: 2 } });
    const { report, env } = checked();
    const run = await project.run({ ...env, CACHEPHANT_DEBUG: "1" });
    expect(run).toMatchObject({ result: [9, 16], runs: { square: 2 } });
    expect(run.stderr.split("\n").filter((line) => line.startsWith("cachephant hit"))).toEqual([
      expect.stringMatching(
        /^cachephant hit square \(src\/lib\.ts:3\) [\d.]+ms: from the local store; checked: the same result$/,
      ),
      expect.stringMatching(
        /^cachephant hit square \(src\/lib\.ts:3\) [\d.]+ms: from the local store; checked: the same result$/,
      ),
    ]);
    expect(run.stderr).not.toMatch(/^cachephant: /m);
    expect(existsSync(report)).toBe(false);
  });

  test("CACHEPHANT_CHECK=0 computes nothing extra on a hit", async () => {
    project = Project.create(bundler);
    await project.build();
    expect(await project.run()).toMatchObject({ result: [9, 16], runs: { square: 2 } });
    const report = join(project.dir, "check-report.jsonl");
    const run = await project.run({ CACHEPHANT_CHECK: "0", CACHEPHANT_CHECK_REPORT: report });
    expect(run).toMatchObject({ result: [9, 16], runs: {} });
    expect(run.stderr).toBe("");
    expect(existsSync(report)).toBe(false);
  });
});
