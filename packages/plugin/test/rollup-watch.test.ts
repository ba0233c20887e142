// Rollup's watch mode keeps a module's transform while the module and the
// files it watches are unchanged: a module that starts mutating exported data
// the cached function's module counted by code must make Rollup transform
// that module again.
import { readFileSync } from "node:fs";
import { watch, type RollupWatcher } from "rollup";
import { afterEach, expect, test, vi } from "vitest";
import cachephant from "../src/rollup.js";
import { sharedDataProject } from "./helpers/bundlers.js";
import type { TempProject } from "./helpers/project.js";

// Real bundlers compiling twice in watch mode: seconds on a loaded machine, not the unit default of 5.
vi.setConfig({ testTimeout: 60_000 });

let project: TempProject;
let watcher: RollupWatcher | undefined;
afterEach(async () => {
  await watcher?.close();
  project?.remove();
});

/** Resolves with the bundle's text at the end of each build, in order. */
function bundles(count: number, onBuilt: (index: number) => void): Promise<string[]> {
  const texts: string[] = [];
  return new Promise((resolve, reject) => {
    watcher!.on("event", (event) => {
      if (event.code === "ERROR") reject(new Error(event.error.message, { cause: event.error }));
      if (event.code === "BUNDLE_END") void event.result.close();
      if (event.code !== "END") return;
      texts.push(readFileSync(project.path("out/main.mjs"), "utf8"));
      if (texts.length === count) resolve(texts);
      else onBuilt(texts.length);
    });
  });
}

test("rollup --watch: a module that starts mutating exported data makes the reading module transform again", async () => {
  project = sharedDataProject();
  watcher = watch({
    input: project.path("src/main.js"),
    plugins: [cachephant({ root: project.root })],
    output: { file: project.path("out/main.mjs"), format: "es" },
    watch: { buildDelay: 50 },
  });
  const [before, after] = await bundles(2, () => {
    project.write("src/admin.js", `import { shared } from "./h.js";\nexport const peek = () => shared.n++;\n`);
  });
  expect(before).not.toContain("state: [");
  expect(after).toContain('state: [["src/h.js", "shared"]]');
});
