// Module data the build proves never changes after load (a `const` of parsed
// JSON that every reference only reads) is keyed once per process, by
// identity: calls hit, and the debug line says so. Near misses (a helper that
// mutates the rows through an alias, the rows passed to a function of another
// module that mutates them) stay keyed on every call: each run gives what the
// same program gives with the cache off. Built with a real bundler and run in
// separate processes sharing one cache folder.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const rowsJson = (values: number[]) =>
  JSON.stringify(values.map((n, id) => ({ id, n, name: `row ${id}`, tags: n % 2 ? ["odd"] : ["even"] })));

/** `lib.ts`: the rows, a cached function that walks them with a loop and a callback, and `extra` (a helper or none). */
const lib = (extra = "") => `import { readFileSync } from "node:fs";
import { countRun } from "./runs";
${extra.includes("addRow") ? 'import { addRow } from "./grow";\n' : ""}
const rows: Array<{ id: number; n: number; name: string; tags: string[] }> = JSON.parse(readFileSync("data/rows.json", "utf8"));

export async function total(min: number) {
  "use cache";
  countRun("total");
  let sum = 0;
  for (const row of rows) if (row.n >= min) sum += row.n;
  return \`\${sum}:\${rows.filter((row) => row.tags.includes("odd")).length}\`;
}
${extra}`;

/** Calls `total` three times, around `between` (a helper that may change the rows). */
const scenario = (between = "") => `import { total${between ? `, ${between}` : ""} } from "./lib";
export async function scenario() {
  const min = Number(process.env.MIN ?? 0);
  const first = await total(min);
  ${between ? `${between}();` : ""}
  const second = await total(min);
  const third = await total(min);
  return [first, second, third];
}
`;

const ONCE = /scope\.rows is keyed once per process: the build proved it never changes after load/g;

describe.each(BUNDLERS)("%s: module data that never changes after load", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  function create(extra = "", between = "") {
    project = Project.create(bundler);
    project.write("data/rows.json", rowsJson([1, 2, 3, 4, 5]));
    project.write("src/lib.ts", lib(extra));
    project.write(
      "src/grow.ts",
      `export function addRow(list: Array<{ n: number }>) { list.push({ n: 100, tags: ["odd"] } as never); }\n`,
    );
    project.write("src/scenario.ts", scenario(between));
  }

  /** Cached, uncached and checked runs agree; returns the cached run. */
  const runAll = (env: NodeJS.ProcessEnv = {}) => project.runAgainstUncachedAndChecked<string[]>(env);

  test("parsed JSON only read: marked, keyed once per process (said once in debug), calls hit, a new file's rows key anew", async () => {
    create();
    await project.build();
    expect(project.read("dist/main.mjs")).toMatch(/unchangingScope: \[0\]/);
    const first = await runAll({ CACHEPHANT_DEBUG: "1" });
    expect(first).toMatchObject({ result: ["15:3", "15:3", "15:3"], runs: { total: 1 } });
    expect(first.stderr.match(ONCE)).toHaveLength(1);
    expect(first.stderr.match(/cachephant hit total/g)).toHaveLength(2);
    // Another process: a hit from disk for the same rows.
    expect(await runAll({ MIN: "0" })).toMatchObject({ result: ["15:3", "15:3", "15:3"], runs: {} });
    expect(await runAll({ MIN: "3" })).toMatchObject({ result: ["12:3", "12:3", "12:3"], runs: { total: 1 } });
    // Other rows in the file, same build: keyed by their value in the new process.
    project.write("data/rows.json", rowsJson([1, 2, 3, 4, 6]));
    expect(await runAll()).toMatchObject({ result: ["16:2", "16:2", "16:2"], runs: { total: 1 } });
  });

  test("a helper that mutates the rows through a loop alias: not marked, the changed rows compute again", async () => {
    create(`export function bump() { for (const row of rows) row.n += 1; }\n`, "bump");
    await project.build();
    expect(project.read("dist/main.mjs")).not.toMatch(/unchanging(Scope|State)/);
    const first = await runAll({ CACHEPHANT_DEBUG: "1" });
    expect(first).toMatchObject({ result: ["15:3", "20:3", "20:3"], runs: { total: 2 } });
    expect(first.stderr).not.toMatch(ONCE);
    expect(await runAll()).toMatchObject({ result: ["15:3", "20:3", "20:3"], runs: {} });
  });

  test("the rows passed to another module's function that mutates them: not marked, never the old rows' result", async () => {
    create(`export function grow() { addRow(rows); }\n`, "grow");
    await project.build();
    expect(project.read("dist/main.mjs")).not.toMatch(/unchanging(Scope|State)/);
    const first = await runAll();
    expect(first).toMatchObject({ result: ["15:3", "115:4", "115:4"], runs: { total: 2 } });
    // The next process starts from the file's rows again: a hit for each.
    expect(await runAll()).toMatchObject({ result: ["15:3", "115:4", "115:4"], runs: {} });
  });
});
