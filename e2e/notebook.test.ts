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
    // catch-all: missing, broken or failing, nbconvert cannot run the notebook here.
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
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=120",
      "--output",
      "executed.ipynb",
      "slow-load.ipynb",
    ],
    { cwd: dir, env: { ...process.env, CACHEPHANT_DIR: join(dir, ".cache") } },
  );
  const after = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
  const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { total: number };
  return { computed: after - before, total: report.total };
}

/**
 * The `stats` cell's table in the executed notebook, as the kernel rendered
 * it (its `text/html`), and the hits and misses of `loadReport` in it;
 * undefined when the cell has no output at all (see `executeShowingStats`).
 */
function statsShown(): { html: string; hits: number; misses: number } | undefined {
  const executed = JSON.parse(readFileSync(join(dir, "executed.ipynb"), "utf8")) as {
    cells: Array<{ id: string; outputs?: Array<{ data?: Record<string, string | string[]> }> }>;
  };
  const outputs = executed.cells.find((c) => c.id === "stats")?.outputs ?? [];
  if (outputs.length === 0) return undefined;
  const data = outputs.find((output) => output.data?.["text/html"])?.data;
  if (data === undefined) throw new Error(`the stats cell shows no table: ${JSON.stringify(outputs)}`);
  const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));
  const html = text(data["text/html"]);
  const row = /<tr><td>loadReport<\/td><td>[^<]*<\/td><td[^>]*>(\d+)<\/td><td[^>]*>(\d+)<\/td>/.exec(html);
  if (row === null) throw new Error(`no row for loadReport in ${html}`);
  return { html, hits: Number(row[1]), misses: Number(row[2]) };
}

/**
 * Executes the notebook until the `stats` cell has its output, at most four
 * times. Deno's kernel at times publishes a cell's result after the cell's
 * "idle" status, and nbconvert stops reading a cell's messages at "idle", so
 * the result is missing from the executed notebook (seen for the
 * `call-again` and `stats` cells, under load, whatever the runtime's build).
 * Each execution is counted: an unchanged notebook adds two hits per run.
 */
async function executeShowingStats(): Promise<{
  computed: number;
  total: number;
  runs: number;
  shown: NonNullable<ReturnType<typeof statsShown>>;
}> {
  let computed = 0;
  for (let runs = 1; runs <= 4; runs++) {
    const result = await execute();
    computed += result.computed;
    const shown = statsShown();
    if (shown !== undefined) return { computed, total: result.total, runs, shown };
  }
  throw new Error("the stats cell had no output in four executions of the notebook");
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
  "a notebook run again in a new kernel is served from the cache, and stats() shows it; a comment edit reuses, a body edit computes again",
  async () => {
    const first = await executeShowingStats();
    expect(first.computed).toBe(1);
    // The first run's `call` computed and its `call-again` was served; a run the kernel lost the table of
    // added two more hits. The table says so, with its header and a total row.
    expect(first.shown).toMatchObject({ hits: 2 * first.runs - 1, misses: 1 });
    expect(first.shown.html).toMatch(/<th>function<\/th>.*<th[^>]*>hit rate<\/th>.*<th[^>]*>saved<\/th>/);
    const rate = Math.round((100 * (2 * first.runs - 1)) / (2 * first.runs));
    expect(first.shown.html).toContain(`<td style="text-align:right">${rate}%</td>`);

    const restarted = await executeShowingStats();
    expect({ computed: restarted.computed, total: restarted.total }).toEqual({ computed: 0, total: first.total });
    // The earlier kernels' counts stay: two more hits per run, no miss.
    expect(restarted.shown).toMatchObject({ hits: 2 * (first.runs + restarted.runs) - 1, misses: 1 });

    editDefinition(
      "// A stand-in for a slow load: a pause, then some work.",
      "// Edited comment: only the words changed.",
    );
    expect(await execute()).toEqual({ computed: 0, total: first.total });

    editDefinition("total += state % 100;", "total += state % 10;");
    const edited = await execute();
    expect(edited.computed).toBe(1);
    expect(edited.total).not.toBe(first.total);
  },
  240_000,
);
