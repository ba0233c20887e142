// Rewritten code that require()s the runtime: CommonJS bundles (esbuild's
// default format for platform "node", webpack's and Rspack's default output)
// and a .cjs source whose 'use strict' prologue has no semicolon. Each program
// runs twice in new processes: the second run is served from the cache.
import { afterEach, describe, expect, test } from "vitest";
import { Project } from "./helpers/project.js";

let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

const COMPUTED = { result: [9, 8], runs: { square: 1, cube: 1 } };
const FROM_CACHE = { result: [9, 8], runs: {} };

describe("esbuild", () => {
  test.each([
    ["CommonJS (esbuild's default for platform node) to a .cjs file", "", "dist/main.cjs"],
    ['format "cjs" to a .cjs file', "cjs", "dist/main.cjs"],
    ['format "esm" to a .js file of a "type": "module" project', "esm", "dist/main.js"],
  ])("%s: the second run is served from the cache", async (_title, format, outfile) => {
    project = Project.create("esbuild", {
      fixture: "commonjs",
      buildEnv: { E2E_FORMAT: format, E2E_OUTFILE: outfile },
    });
    await project.build();
    const { stderr, ...first } = await project.run<number[]>({}, outfile);
    expect(stderr).toBe("");
    expect(first).toEqual(COMPUTED);
    const { stderr: _, ...second } = await project.run<number[]>({}, outfile);
    expect(second).toEqual(FROM_CACHE);
  });

  test('CommonJS to a .js file of a "type": "module" project: the build warns and says how to fix it', async () => {
    project = Project.create("esbuild", { fixture: "commonjs", buildEnv: { E2E_OUTFILE: "dist/main.js" } });
    const { stderr } = await project.build();
    expect(stderr).toContain('"type": "module", so Node will load it as an ES module, where require() is not defined');
    expect(stderr).toContain('Set format: "esm", or name the output .cjs.');
  });
});

describe.each(["webpack", "rspack"] as const)("%s", (bundler) => {
  test("default CommonJS output: the second run is served from the cache, a body edit recomputes", async () => {
    project = Project.create(bundler, { fixture: "commonjs" });
    // A CommonJS project: dist/main.js is loaded as CommonJS.
    project.write("package.json", JSON.stringify({ name: `cachephant-e2e-${bundler}`, private: true }));
    await project.build();
    const first = await project.run<number[]>({}, "dist/main.js");
    expect(first).toMatchObject(COMPUTED);
    expect(await project.run<number[]>({}, "dist/main.js")).toMatchObject(FROM_CACHE);

    project.write("src/cube.js", project.read("src/cube.js").replace("n * n * n", "n ** 3"));
    await project.build();
    expect(await project.run<number[]>({}, "dist/main.js")).toMatchObject({ result: [9, 8], runs: { cube: 1 } });
  });
});
