// Superseded versions: the build records each module's current code hashes;
// `cachephant ls` marks the results of code no build has any more, and
// `prune --superseded` removes them, and only them. Switching back to the old
// code (another branch) finds its results still there until asked.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, CLI_PATH, Project } from "./helpers/project.js";

const run = promisify(execFile);

interface Row {
  name: string;
  entries: number;
  superseded: number;
}

const square = (body: string) => `import { countRun } from "./runs";
export async function square(n: number): Promise<number> {
  "use cache";
  countRun("square");
  return ${body};
}
`;
const cube = (directive: boolean) => `import { countRun } from "./runs";
export async function cube(n: number): Promise<number> {
  ${directive ? '"use cache";' : ""}
  countRun("cube");
  return n * n * n;
}
`;

describe.each(BUNDLERS)("%s: superseded versions", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  const cachephant = async (...args: string[]) =>
    (
      await run(process.execPath, [CLI_PATH, ...args], {
        cwd: project.dir,
        env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
      })
    ).stdout;
  const rows = async () =>
    Object.fromEntries(
      (JSON.parse(await cachephant("ls", "--json")) as { functions: Row[] }).functions.map((row) => [row.name, row]),
    );
  const buildAs = async (version: 1 | 2) => {
    project.write("src/lib.ts", square(version === 1 ? "n * n" : "n * n + 1"));
    project.write("src/extra.ts", cube(version === 1));
    await project.build();
  };

  test("ls marks results of code the latest build no longer has; prune --superseded removes only them, and nothing before it is asked", async () => {
    project = Project.create(bundler).write(
      "src/scenario.ts",
      `import { square } from "./lib";
import { cube } from "./extra";
export async function scenario() {
  return [await square(3), await cube(2)];
}
`,
    );
    await buildAs(1);
    expect(await project.run()).toMatchObject({ result: [9, 8], runs: { square: 1, cube: 1 } });
    expect(await rows()).toMatchObject({ square: { entries: 1, superseded: 0 }, cube: { entries: 1, superseded: 0 } });

    // The other branch: square's code changed, cube lost its directive.
    await buildAs(2);
    expect(await project.run()).toMatchObject({ result: [10, 8], runs: { square: 1, cube: 1 } });
    expect(await rows()).toMatchObject({ square: { entries: 2, superseded: 1 }, cube: { entries: 1, superseded: 1 } });
    const table = await cachephant("ls");
    expect(table).toMatch(/^FUNCTION\s+FILE\s+ENTRIES\s+SIZE\s+HITS\s+MISSES\s+SAVED\s+SUPERSEDED\s+LAST USED$/m);
    expect(table).toContain("Superseded: 2 entries");
    expect(table).toContain("cachephant prune --superseded removes them");

    // A dry run and a plain prune remove nothing of it.
    expect(await cachephant("prune", "--superseded", "--dry-run")).toMatch(/^Would remove 2 entries \(2 superseded\)/);
    expect(await cachephant("prune")).toMatch(/^Removed 0 entries/);
    expect(await rows()).toMatchObject({ square: { entries: 2, superseded: 1 }, cube: { entries: 1, superseded: 1 } });

    // Back on the first branch: its results were kept, and are current again.
    await buildAs(1);
    expect(await rows()).toMatchObject({ square: { entries: 2, superseded: 1 }, cube: { entries: 1, superseded: 0 } });
    expect(await project.run()).toMatchObject({ result: [9, 8], runs: {} });

    // Asked: only the second branch's square goes.
    const pruned = JSON.parse(await cachephant("prune", "--superseded", "--json")) as {
      removedEntries: number;
      supersededEntries: number;
    };
    expect(pruned).toMatchObject({ removedEntries: 1, supersededEntries: 1 });
    expect(await rows()).toMatchObject({ square: { entries: 1, superseded: 0 }, cube: { entries: 1, superseded: 0 } });
    expect(await cachephant("ls")).not.toContain("SUPERSEDED");
    expect(await project.run()).toMatchObject({ result: [9, 8], runs: {} });
  });
});
