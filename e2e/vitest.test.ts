// "use cache" in a Vitest suite (the plugin in vitest.config.ts): the second
// `vitest run`, a new process, is served from the cache.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, expect, test } from "vitest";
import { Project } from "./helpers/project.js";

const run = promisify(execFile);
const vitest = join(dirname(fileURLToPath(import.meta.url)), "node_modules", "vitest", "vitest.mjs");
let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

test("a Vitest run with the plugin caches across runs", async () => {
  project = Project.create("vite")
    .write(
      "vitest.config.ts",
      `import cachephant from "@cachephant/plugin/vite";
import { defineConfig } from "vitest/config";
export default defineConfig({ plugins: [cachephant()], test: { include: ["test/**/*.test.ts"] } });
`,
    )
    .write(
      "test/square.test.ts",
      `import { writeFileSync } from "node:fs";
import { afterAll, expect, test } from "vitest";
import { square } from "../src/lib";
import { runs } from "../src/runs";
test("squares", async () => {
  expect(await square(3)).toBe(9);
  expect(await square(4)).toBe(16);
});
afterAll(() => writeFileSync("runs.json", JSON.stringify(runs)));
`,
    );
  const runVitest = async () => {
    await run(process.execPath, [vitest, "run"], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir, VITEST: "", VITEST_WORKER_ID: "", VITEST_POOL_ID: "" },
    });
    return JSON.parse(readFileSync(join(project.dir, "runs.json"), "utf8")) as Record<string, number>;
  };
  expect(await runVitest()).toEqual({ square: 2 });
  expect(await runVitest()).toEqual({});
});
