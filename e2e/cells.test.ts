// cached() where no build step runs: a cell run as a script in new processes
// under Node (script and REPL), Deno (from node_modules and with npm:) and
// Bun, each sharing one cache folder across its runs.
import { describe, expect, test } from "vitest";
import { Cells, type Runner } from "./helpers/cells.js";

const RUNNERS: readonly Runner[] = ["node", "node-repl", "deno", "deno-npm", "bun"];

// Concurrent: each runner has its own folder and cache, and most of the time is process start-up.
describe.concurrent.each(RUNNERS)("a cell under %s", (runner) => {
  test("runs again from the cache in a new process; a comment edit reuses; a body edit computes again", async () => {
    const cells = new Cells(runner);
    const first = await cells.run(runner);
    expect(first).toMatchObject({ total: 385, same: true, date: true, computed: 1 });

    const restarted = await cells.run(runner);
    expect(restarted).toMatchObject({ total: 385, same: true, date: true, computed: 0 });

    cells.edit("// COMMENT: the sum of i^power for i from 1 to n", "// COMMENT: sum of the powers, edited");
    expect(await cells.run(runner)).toMatchObject({ total: 385, computed: 0 });

    cells.edit("total += i ** power; // BODY", "total += i ** power + 1; // BODY");
    expect(await cells.run(runner)).toMatchObject({ total: 395, same: true, computed: 1 });
  });
});

test("CACHEPHANT_DEBUG explains a body edit as new code, under Node", async () => {
  const cells = new Cells("debug");
  await cells.run("node");
  cells.edit("total += i ** power; // BODY", "total += i ** power * 2; // BODY");
  const edited = await cells.run("node", { CACHEPHANT_DEBUG: "1" });
  expect(edited.computed).toBe(1);
  expect(edited.stderr).toMatch(/cachephant miss sumOfPowers \(cell\.mjs:7\) [\d.]+ms: new code: .*own code/);
});

test("a store shared by Node and Bun: each refuses the other engine's entries and computes again, never misreads them", async () => {
  const cells = new Cells("node-bun");
  expect(await cells.run("node")).toMatchObject({ total: 385, computed: 1 });
  const bun = await cells.run("bun");
  expect(bun).toMatchObject({ total: 385, date: true, computed: 1 });
  expect(bun.stderr).toMatch(/written by Node or Deno \(V8's format\), which Bun cannot read/);
  expect(await cells.run("bun")).toMatchObject({ total: 385, computed: 0 });
  const node = await cells.run("node");
  expect(node).toMatchObject({ total: 385, date: true, computed: 1 });
  expect(node.stderr).toMatch(/not in V8's format/);
});

test("under Bun, whose transpiler drops directives from functions, a directive inside a cached() function is an error, not lost options", async () => {
  const cells = new Cells("bun-directive");
  cells.edit("// COMMENT: the sum of i^power for i from 1 to n", '"use cache: ttl=1h";');
  await expect(cells.run("bun")).rejects.toThrow(
    /CACHEPHANT_BAD_OPTION|Bun removes directives from the functions it loads/,
  );
  // Node keeps the source as written: the directive is read there.
  expect(await cells.run("node")).toMatchObject({ total: 385, computed: 1 });
});
