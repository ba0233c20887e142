// The example notebook (examples/notebook/slow-load.ipynb) executed headless
// on the Deno Jupyter kernel: `deno jupyter --install` registers the kernel,
// `jupyter nbconvert --execute` runs the notebook, each time in a new kernel
// process. The cached body notes each of its runs in computed.log.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, expect, test } from "vitest";
import { denoBinary } from "./helpers/cells.js";

const run = promisify(execFile);
const e2eRoot = dirname(fileURLToPath(import.meta.url));
const example = join(e2eRoot, "..", "examples", "notebook", "slow-load.ipynb");

/** Why the notebook cannot run here, or undefined when Jupyter's nbconvert is installed (`.ci/run` installs it). */
function missingJupyter(): string | undefined {
  try {
    execFileSync("jupyter", ["nbconvert", "--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "jupyter nbconvert is not installed (apt-get install jupyter-nbconvert python3-nbclient, as .ci/run does)";
  }
}
const missing = missingJupyter();
if (missing) console.warn(`skipping the notebook e2e: ${missing}`);

interface Notebook {
  cells: Array<{ id: string; source: string[] }>;
}

let dir: string;

beforeAll(async () => {
  if (missing) return;
  await run(denoBinary(), ["jupyter", "--install", "--force"]);
  mkdirSync(join(e2eRoot, ".work"), { recursive: true });
  dir = mkdtempSync(join(e2eRoot, ".work", "notebook-"));
  cpSync(example, join(dir, "slow-load.ipynb"));
});

/**
 * Executes the notebook in a new kernel; returns how often the cached body
 * ran in it (the lines it added to `computed.log`) and the report the notebook
 * saved. Files, not the cells' outputs: the kernel may deliver those late.
 */
async function execute(): Promise<{ computed: number; total: number }> {
  const log = join(dir, "computed.log");
  const before = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
  await run(
    "jupyter",
    ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=deno", "--ExecutePreprocessor.timeout=120", "--output", "executed.ipynb", "slow-load.ipynb"],
    { cwd: dir, env: { ...process.env, CACHEPHANT_DIR: join(dir, ".cache") } },
  );
  const after = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
  const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { total: number };
  return { computed: after - before, total: report.total };
}

/** Edits the notebook's `define` cell (throws when the text is not there). */
function editDefinition(from: string, to: string): void {
  const path = join(dir, "slow-load.ipynb");
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  const cell = notebook.cells.find((c) => c.id === "define")!;
  const source = cell.source.join("");
  if (!source.includes(from)) throw new Error(`the define cell does not contain ${JSON.stringify(from)}`);
  cell.source = source.replace(from, to).split(/(?<=\n)/);
  writeFileSync(path, JSON.stringify(notebook, null, 1));
}

test.skipIf(missing !== undefined)(
  "a notebook run again in a new kernel is served from the cache; a comment edit reuses, a body edit computes again",
  async () => {
    const first = await execute();
    expect(first.computed).toBe(1);

    const restarted = await execute();
    expect(restarted).toEqual({ computed: 0, total: first.total });

    editDefinition("// A stand-in for a slow load: a pause, then some work.", "// Edited comment: only the words changed.");
    expect(await execute()).toEqual({ computed: 0, total: first.total });

    editDefinition("total += state % 100;", "total += state % 10;");
    const edited = await execute();
    expect(edited.computed).toBe(1);
    expect(edited.total).not.toBe(first.total);
  },
  240_000,
);
