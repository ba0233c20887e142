// A misspelled directive is a build warning naming file:line:column and the
// intended spelling, in each bundler, and the build still succeeds.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

describe.each(BUNDLERS)("%s", (bundler) => {
  test('"use cahce" is a build warning with its place and "use cache"', async () => {
    project = Project.create(bundler).write(
      "src/lib.ts",
      `import { countRun } from "./runs";

export async function square(n: number): Promise<number> {
  "use cahce";
  countRun("square");
  return n * n;
}
`,
    );
    const { stdout, stderr } = await project.build();
    const printed = `${stdout}\n${stderr}`;
    expect(printed).toMatch(/src\/lib\.ts:4:3: "use cahce" looks like a misspelled directive: .*Write "use cache"\./);
    // The place as build errors show it: relative to the project, never the absolute path; then the code frame.
    expect(printed).not.toContain(project.dir);
    expect(printed).toMatch(/> 4 \| {3}"use cahce";\n\s+\|\s+\^/);
  });
});
