// Never a stale result through a typed array view: a view is keyed by its
// own bytes (a pooled Buffer by its few bytes, not the pool), unless the code
// the cached function reaches may read the view's `buffer` or `byteOffset`:
// then the whole buffer and the view's place are keyed. Built with a real
// bundler and run in separate processes sharing one cache folder: each run's
// result must equal what the same program returns with the cache off, and a
// run in check mode (CACHEPHANT_CHECK=1) must find nothing stale.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

/** `bytes.ts`: a helper in another module that looks at the whole memory behind a view. */
const bytes = `export function wholeSum(view: Uint8Array): number {
  return new Uint8Array(view.buffer).reduce((sum, b) => sum + b, 0);
}
`;

const lib = `import { countRun } from "./runs";
import { wholeSum } from "./bytes";
export async function sumBehind(view: Uint8Array) {
  "use cache";
  countRun("sumBehind");
  return wholeSum(view);
}
export async function sumOwn(view: Uint8Array) {
  "use cache";
  countRun("sumOwn");
  return view[0]! + view[1]!;
}
`;

// The view is the first two bytes of eight; the other six come from FILL.
const scenario = `import { sumBehind, sumOwn } from "./lib";
export async function scenario() {
  const memory = new ArrayBuffer(8);
  const all = new Uint8Array(memory);
  all.fill(Number(process.env.FILL ?? 1));
  all.set([1, 2]);
  const view = new Uint8Array(memory, 0, 2);
  return [await sumBehind(view), await sumOwn(view)];
}
`;

describe.each(BUNDLERS)("%s: a typed array view", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("a helper reads the view's buffer: bytes outside the view changed compute again; the function that reads only the view's bytes is served", async () => {
    project = Project.create(bundler);
    project.write("src/bytes.ts", bytes);
    project.write("src/lib.ts", lib);
    project.write("src/scenario.ts", scenario);
    await project.build();
    const runAll = (env: NodeJS.ProcessEnv) => project.runAgainstUncachedAndChecked(env);
    expect(await runAll({ FILL: "1" })).toMatchObject({ result: [9, 3], runs: { sumBehind: 1, sumOwn: 1 } });
    expect(await runAll({ FILL: "1" })).toMatchObject({ result: [9, 3], runs: {} });
    expect(await runAll({ FILL: "5" })).toMatchObject({ result: [33, 3], runs: { sumBehind: 1 } });
    expect(await runAll({ FILL: "1" })).toMatchObject({ result: [9, 3], runs: {} });
  });
});
