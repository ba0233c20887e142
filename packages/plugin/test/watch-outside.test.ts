// A module that starts mutating exported data the cached function's module
// counted by code must make a watch build transform that module again, or its
// calls would keep a key without the data's value. Rolldown does so by itself;
// webpack and Rspack keep a module's transform while the files it watches are
// unchanged and never ask a plugin first (Rollup asks: rollup-watch.test.ts),
// so such a module watches every project file.
import { readFileSync } from "node:fs";
import { watch as rolldownWatch } from "rolldown";
import { afterEach, expect, test, vi } from "vitest";
import cachephantRolldown from "../src/rolldown.js";
import { sharedDataProject, WEBPACK_LIKE } from "./helpers/bundlers.js";
import type { TempProject } from "./helpers/project.js";

// Real bundlers compiling twice in watch mode: seconds on a loaded machine, not the unit default of 5.
vi.setConfig({ testTimeout: 60_000 });

let project: TempProject;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
  project?.remove();
});

const MUTATING_ADMIN = `import { shared } from "./h.js";\nexport const peek = () => shared.n++;\n`;

/** Collects the output after each build; `onBuilt(n)` runs after the n-th (1-based) until `count` are in. */
function outputs(count: number, read: () => string, onBuilt: (index: number) => void) {
  const texts: string[] = [];
  let done!: (texts: string[]) => void;
  const all = new Promise<string[]>((resolve) => (done = resolve));
  return {
    all,
    built() {
      texts.push(read());
      if (texts.length === count) done(texts);
      else onBuilt(texts.length);
    },
  };
}

test("rolldown --watch: a module that starts mutating exported data makes the reading module transform again", async () => {
  project = sharedDataProject();
  const collected = outputs(
    2,
    () => readFileSync(project.path("out/main.mjs"), "utf8"),
    () => project.write("src/admin.js", MUTATING_ADMIN),
  );
  const watcher = rolldownWatch({
    input: project.path("src/main.js"),
    plugins: [cachephantRolldown({ root: project.root })],
    output: { file: project.path("out/main.mjs"), format: "es" },
    watch: { buildDelay: 50 },
  });
  stop = () => watcher.close();
  let failure: unknown;
  watcher.on("event", (event) => {
    if (event.code === "ERROR") failure = event.error;
    if (event.code === "BUNDLE_END") void event.result.close();
    if (event.code === "END") collected.built();
  });
  const [before, after] = await collected.all;
  expect(failure).toBeUndefined();
  expect(before).not.toContain("state: [");
  expect(after).toContain('state: [["src/h.js", "shared"]]');
});

test.each(WEBPACK_LIKE)(
  "$bundler --watch: a module that starts mutating exported data makes the reading module transform again",
  async ({ compile, plugin }) => {
    project = sharedDataProject();
    const collected = outputs(
      2,
      () => readFileSync(project.path("out/main.js"), "utf8"),
      () => project.write("src/admin.js", MUTATING_ADMIN),
    );
    const compiler = compile({
      mode: "development",
      devtool: false,
      target: "node",
      context: project.root,
      entry: "./src/main.js",
      output: { path: project.path("out"), filename: "main.js" },
      plugins: [plugin({ root: project.root })],
    });
    let failure: unknown;
    const watching = compiler.watch(
      { aggregateTimeout: 50 },
      (error: Error | null, stats?: { hasErrors(): boolean; toString(options: string): string }) => {
        if (error || stats?.hasErrors()) failure = error ?? stats?.toString("errors-only");
        collected.built();
      },
    );
    stop = () => new Promise((resolve) => (watching ? watching.close(() => resolve()) : resolve()));
    const [before, after] = await collected.all;
    expect(failure).toBeUndefined();
    expect(before).not.toContain("state: [");
    expect(after).toContain('state: [["src/h.js", "shared"]]');
  },
);
