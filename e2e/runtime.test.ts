// What a built program does at run time, in separate processes: result
// fidelity, errors, sharing of in-flight calls, CACHEPHANT=off, and the
// layouts in which the injected runtime import must resolve.
import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const fidelityLib = `import { countRun } from "./runs";
export async function rich() {
  "use cache";
  countRun("rich");
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const error = new RangeError("out of range");
  return {
    map: new Map<unknown, unknown>([["a", 1], [2, { b: [3n] }]]),
    set: new Set(["x", "y"]),
    date: new Date("2024-02-29T12:00:00.000Z"),
    big: 12345678901234567890n,
    regexp: /ab+c/gi,
    bytes: new Float64Array([1.5, -0, NaN]),
    buffer: Buffer.from("héllo"),
    error,
    nested: { deep: [[1, [2, [3]]], undefined, null] },
    cyclic,
  };
}
`;

// Describes every property's type and value, so two processes can compare.
const fidelityScenario = `import { rich } from "./lib";
export async function scenario() {
  const value = await rich();
  return {
    map: [...value.map.entries()].map(([k, v]) => [k, JSON.stringify(v, (_, x) => typeof x === "bigint" ? x + "n" : x)]),
    set: [...value.set],
    date: value.date instanceof Date && value.date.toISOString(),
    big: typeof value.big === "bigint" && value.big.toString(),
    regexp: value.regexp instanceof RegExp && [value.regexp.source, value.regexp.flags],
    bytes: value.bytes instanceof Float64Array && [...value.bytes].map(String).concat(Object.is(value.bytes[1], -0) ? "-0" : "+0"),
    buffer: Buffer.isBuffer(value.buffer) && value.buffer.toString(),
    error: value.error instanceof Error && [value.error.name, value.error.message, value.error instanceof RangeError],
    nested: JSON.stringify(value.nested),
    cyclic: value.cyclic.self === value.cyclic,
  };
}
`;

describe.each(BUNDLERS)("%s: run time", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("results round-trip with structured-clone fidelity across processes", async () => {
    project = Project.create(bundler).write("src/lib.ts", fidelityLib).write("src/scenario.ts", fidelityScenario);
    const first = await project.buildAndRun();
    expect(first.runs).toEqual({ rich: 1 });
    const second = await project.run();
    expect(second.runs).toEqual({});
    expect(second.result).toEqual(first.result);
    expect(second.result).toMatchObject({
      date: "2024-02-29T12:00:00.000Z",
      big: "12345678901234567890",
      regexp: ["ab+c", "gi"],
      bytes: ["1.5", "0", "NaN", "-0"],
      buffer: "héllo",
      error: ["RangeError", "out of range", true],
      cyclic: true,
    });
  });

  test("a thrown error is never cached", async () => {
    project = Project.create(bundler)
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
export async function flaky(n: number) {
  "use cache";
  countRun("flaky");
  throw new Error("failed " + n);
}
`,
      )
      .write(
        "src/scenario.ts",
        `import { flaky } from "./lib";
export async function scenario() {
  const messages = [];
  for (let i = 0; i < 2; i++) messages.push(await flaky(1).catch((error: Error) => error.message));
  return messages;
}
`,
      );
    expect(await project.buildAndRun()).toMatchObject({ result: ["failed 1", "failed 1"], runs: { flaky: 2 } });
    expect(await project.run()).toMatchObject({ runs: { flaky: 2 } });
  });

  test("concurrent calls with the same key share one execution, and each gets its own copy", async () => {
    project = Project.create(bundler)
      .write(
        "src/lib.ts",
        `import { countRun } from "./runs";
export async function slow(n: number) {
  "use cache";
  countRun("slow");
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { n };
}
`,
      )
      .write(
        "src/scenario.ts",
        `import { slow } from "./lib";
export async function scenario() {
  const results = await Promise.all([slow(1), slow(1), slow(1), slow(2)]);
  return { values: results.map((r) => r.n), distinct: new Set(results).size };
}
`,
      );
    expect(await project.buildAndRun()).toMatchObject({
      result: { values: [1, 1, 1, 2], distinct: 4 },
      runs: { slow: 2 },
    });
    expect(await project.run()).toMatchObject({ result: { values: [1, 1, 1, 2], distinct: 4 }, runs: {} });
  });

  test("CACHEPHANT=off runs every call and writes nothing", async () => {
    project = Project.create(bundler);
    await project.build();
    expect(await project.run({ CACHEPHANT: "off" })).toMatchObject({ runs: { square: 2 } });
    expect(await project.run({ CACHEPHANT: "off" })).toMatchObject({ runs: { square: 2 } });
    expect(existsSync(project.cacheDir) ? readdirSync(project.cacheDir) : []).toEqual([]);
    // Switched back on, the cache works as usual.
    expect(await project.run()).toMatchObject({ runs: { square: 2 } });
    expect(await project.run()).toMatchObject({ runs: {} });
  });

  test("CACHEPHANT_DEBUG=1 prints one line per call", async () => {
    project = Project.create(bundler);
    await project.build();
    const first = await project.run({ CACHEPHANT_DEBUG: "1" });
    expect(first.stderr).toMatch(/miss square \(src\/lib\.ts:\d+\)/);
    const second = await project.run({ CACHEPHANT_DEBUG: "1" });
    expect(second.stderr.match(/hit square/g)).toHaveLength(2);
  });

  test("a browser build leaves the directive inert, with one warning", async () => {
    project = Project.create(bundler, { buildEnv: { E2E_TARGET: "browser" } }).write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function square(n: number) {
  "use cache";
  countRun("square");
  return n * n;
}
export async function cube(n: number) {
  "use cache";
  countRun("cube");
  return n * n * n;
}
`,
    );
    const { stdout, stderr } = await project.build();
    expect(`${stdout}${stderr}`.match(/left inert in this browser build/g)).toHaveLength(1);
    expect(project.read("dist/main.mjs")).not.toContain("@cachephant/runtime");
    expect(await project.run()).toMatchObject({ result: [9, 16], runs: { square: 2 } });
    expect(await project.run()).toMatchObject({ runs: { square: 2 } });
  });
});

describe("the injected runtime import resolves", () => {
  test("when esbuild leaves packages external", async () => {
    const project = Project.create("esbuild", { buildEnv: { E2E_PACKAGES: "external" } });
    await project.build();
    expect(project.read("dist/main.mjs")).toMatch(/from "@cachephant\/runtime"/);
    expect(await project.run()).toMatchObject({ runs: { square: 2 } });
    expect(await project.run()).toMatchObject({ runs: {} });
    project.remove();
  });
});
