// Hits, misses and time saved per function: each built program counts in
// memory and writes its counts when it exits; `cachephant ls` adds up those
// of every process that ran.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, CLI_PATH, Project } from "./helpers/project.js";

const run = promisify(execFile);

describe.each(BUNDLERS)("%s: what the cache did", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("ls counts the hits and misses of every process that ran, and the time the hits saved", async () => {
    project = Project.create(bundler).write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function square(n: number): Promise<number> {
  "use cache";
  countRun("square");
  await new Promise((resolve) => setTimeout(resolve, 200));
  return n * n;
}
`,
    );
    await project.build();
    const cachephant = async (...args: string[]) =>
      (
        await run(process.execPath, [CLI_PATH, ...args], {
          cwd: project.dir,
          env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
        })
      ).stdout;

    expect(await project.run()).toMatchObject({ runs: { square: 2 } });
    const afterFirst = JSON.parse(await cachephant("ls", "--json"));
    expect(afterFirst.functions).toEqual([expect.objectContaining({ name: "square", hits: 0, misses: 2, savedMs: 0 })]);

    expect(await project.run()).toMatchObject({ runs: {} });
    expect(await project.run()).toMatchObject({ runs: {} });
    const listed = JSON.parse(await cachephant("ls", "--json"));
    expect(listed.functions).toEqual([expect.objectContaining({ name: "square", hits: 4, misses: 2 })]);
    expect(listed.total).toMatchObject({ hits: 4, misses: 2, savedMs: listed.functions[0].savedMs });
    // Each entry recorded its compute time (the body waits 200 ms); a hit saves that less its own time, never more.
    expect(listed.functions[0].savedMs).toBeLessThanOrEqual(4 * 1000);
    expect(listed.functions[0].savedMs).not.toBe(0);

    const table = await cachephant("ls");
    expect(table).toMatch(/^FUNCTION\s+FILE\s+ENTRIES\s+SIZE\s+HITS\s+MISSES\s+SAVED\s+LAST USED$/m);
    expect(table).toMatch(/^square\s+src\/lib\.ts\s+2\s+\S+ B\s+4\s+2\s+-?[\d.]+(?:ms|s)\s+/m);
    expect(table).toMatch(/; 4 hits, 2 misses, -?[\d.]+(?:ms|s) saved$/m);

    // A clear of the whole store starts the counts over.
    await cachephant("clear");
    expect(JSON.parse(await cachephant("ls", "--json")).total).toMatchObject({ hits: 0, misses: 0, savedMs: 0 });
  });

  test("a call repeated in one process is served from memory after the first read of the store; CACHEPHANT_MEMORY_SIZE=0 reads the store each time", async () => {
    project = Project.create(bundler).write(
      "src/scenario.ts",
      `import { square } from "./lib";
export async function scenario() {
  return [await square(3), await square(3), await square(3)];
}
`,
    );
    await project.build();
    const hits = (stderr: string) =>
      stderr
        .split("\n")
        .filter((line) => line.startsWith("cachephant hit square"))
        .map((line) => line.replace(/^.*ms: /, ""));
    expect(await project.run()).toMatchObject({ result: [9, 9, 9] });
    const second = await project.run({ CACHEPHANT_DEBUG: "1" });
    expect(second).toMatchObject({ result: [9, 9, 9], runs: {} });
    expect(hits(second.stderr)).toEqual(["from the local store", "from memory", "from memory"]);
    const off = await project.run({ CACHEPHANT_DEBUG: "1", CACHEPHANT_MEMORY_SIZE: "0" });
    expect(hits(off.stderr)).toEqual(["from the local store", "from the local store", "from the local store"]);
  });
});
