// A misused directive fails each real bundler's build once: file:line:column,
// the code frame and the fix, the code, and no stack frames of the plugin.
import { rollup } from "rollup";
import { build as viteBuild } from "vite";
import webpack from "webpack";
import { afterEach, describe, expect, test } from "vitest";
import cachephant from "../src/index.js";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

const MISUSED = `export function sync(n) {\n  "use cache";\n  return n;\n}\n`;

function createProject(): TempProject {
  return new TempProject().write("src/lib.js", MISUSED).write("src/main.js", `export * from "./lib.js";\n`);
}

/** What a user reads: the text once, with position, frame, fix and code, without stack frames. */
function expectReported(text: string): void {
  expect(text).toMatch(/lib\.js:1:8: .*async.*\[CACHEPHANT_NOT_ASYNC\]/);
  expect(text.match(/^\s*>\s*1\s*\|/gm)).toHaveLength(1);
  expect(text.match(/Fix: /g)).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at .*(?:plugin|core|babel)/im);
}

// Loading a bundler for the first time takes seconds on a busy machine.
describe("build errors in each bundler", { timeout: 30_000 }, () => {
  test("Rollup", async () => {
    project = createProject();
    const error = await rollup({
      input: project.path("src/main.js"),
      plugins: [cachephant.rollup({ root: project.root })],
    }).then(
      () => undefined,
      (error: Error & { pluginCode?: string; frame?: string }) => error,
    );
    expect(error?.pluginCode).toBe("CACHEPHANT_NOT_ASYNC");
    expect(error?.frame).toBeUndefined(); // else Rollup prints a second frame
    expectReported(`${error!.message}\n${error!.stack}`.replace(error!.message, ""));
    expectReported(error!.message);
  });

  test("Vite", async () => {
    project = createProject();
    const error = await viteBuild({
      root: project.root,
      configFile: false,
      logLevel: "silent",
      plugins: [cachephant.vite({ root: project.root })],
      build: { ssr: "src/main.js", write: false },
    }).then(
      () => undefined,
      (error: Error & { errors?: Array<Error & { pluginCode?: string }> }) => error,
    );
    expect(error?.errors?.[0]?.pluginCode).toBe("CACHEPHANT_NOT_ASYNC");
    expectReported(error!.message);
    expect(error!.errors![0]!.stack!.replace(error!.errors![0]!.message, "")).not.toMatch(/\bat /);
  });

  test("webpack", async () => {
    project = createProject();
    const compiler = webpack({
      context: project.root,
      entry: "./src/main.js",
      mode: "none",
      target: "node",
      output: { path: project.path("out") },
      plugins: [cachephant.webpack({ root: project.root })],
    });
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result!))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    expect(stats.hasErrors()).toBe(true);
    const errors = stats.toJson({ errors: true, errorDetails: true }).errors!;
    expect(errors).toHaveLength(1);
    expectReported(stats.toString({ colors: false, all: false, errors: true, errorDetails: true }));
  });
});
