// Several real processes on one store, through runCached as built code calls
// it: kill -9 in the middle of writes, concurrent calls beside a prune and
// verify loop, one computation across processes. The runtime's sources are
// bundled once with esbuild so the children run exactly this code.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configure, list, runCached, verify } from "../src/index.js";
import { tempDir, useRuntime } from "./helpers.js";
import { seededRandom as random } from "../../../scripts/seeded-random.mjs";

useRuntime();

const work = fileURLToPath(new URL("./.work/", import.meta.url));
const runtimeBundle = join(work, "runtime.mjs");

// What each process computes for its arguments, so any reader can tell a wrong value.
function expectedValue(args: readonly unknown[]): { args: unknown[]; bytes: Buffer } {
  const sizes = [100, 100_000, 1_000_000, 10_000_000];
  const [a, b] = args as [string | number, number];
  const size = typeof a === "number" ? sizes[b % sizes.length]! : 20_000 + b * 1000;
  const seed = [...String(a)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) & 0xff, b & 0xff);
  const bytes = Buffer.alloc(size, seed);
  bytes.writeUInt32BE(b, 0);
  return { args: [...args], bytes };
}

const CHILD_PRELUDE = `
import { appendFileSync } from "node:fs";
import { runCached, prune, verify } from ${JSON.stringify(runtimeBundle)};
const expectedValue = ${expectedValue.toString()};
const same = (x, y) => JSON.stringify(x.args) === JSON.stringify(y.args) && Buffer.isBuffer(x.bytes) && x.bytes.equals(y.bytes);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
`;

const SCRIPTS = {
  // Writes values of 100 B to 10 MB, one after another, until killed.
  writer: `${CHILD_PRELUDE}
const [dir, run] = [process.argv[2], Number(process.argv[3])];
await import("cacache"); // loaded before the first line, so kills land in writes rather than in the import
const meta = { hash: "kill", name: "value", file: "kill.ts", line: 1, paths: ["args[0]", "args[1]"], dir };
for (let i = 0; ; i++) {
  process.stdout.write(i + "\\n");
  await runCached(meta, [run, i], async () => expectedValue([run, i]));
}`,
  // Same-key and own-key calls for a while; says how many values were wrong.
  caller: `${CHILD_PRELUDE}
const [dir, id, ms, log] = [process.argv[2], process.argv[3], Number(process.argv[4]), process.argv[5]];
const meta = { hash: "stress", name: "work", file: "stress.ts", line: 1, paths: ["args[0]", "args[1]"], dir };
let calls = 0, wrong = 0;
for (const end = Date.now() + ms; Date.now() < end; calls++) {
  const args = calls % 2 === 0 ? ["shared", calls % 6] : [id, calls];
  const value = await runCached(meta, args, async () => {
    appendFileSync(log, JSON.stringify(args) + "\\n");
    await sleep(3);
    return expectedValue(args);
  });
  if (!same(value, expectedValue(args))) wrong++;
}
console.log(JSON.stringify({ calls, wrong }));`,
  // Prunes to a small bound and verifies, over and over.
  pruner: `${CHILD_PRELUDE}
const [dir, ms] = [process.argv[2], Number(process.argv[3])];
let prunes = 0, problems = 0;
for (const end = Date.now() + ms; Date.now() < end; prunes++) {
  await prune({ dir, maxSize: 150_000 });
  problems += (await verify({ dir })).problems.length;
}
console.log(JSON.stringify({ prunes, problems }));`,
  // One write past the bound, then the end of the program.
  short: `${CHILD_PRELUDE}
const [dir, id, size, maxSize] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const meta = { hash: "short", name: "short", file: "short.ts", line: 1, paths: ["args[0]"], dir, maxSize };
await runCached(meta, [id], async () => Buffer.alloc(size, id % 251));`,
  // One slow computation of one key.
  slow: `${CHILD_PRELUDE}
const [dir, log] = [process.argv[2], process.argv[3]];
const meta = { hash: "once", name: "slow", file: "once.ts", line: 1, paths: ["args[0]"], dir };
const value = await runCached(meta, ["only"], async () => {
  appendFileSync(log, process.pid + "\\n");
  await sleep(1500);
  return { by: process.pid };
});
console.log(JSON.stringify(value));`,
};

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
    outfile: runtimeBundle,
    bundle: true,
    format: "esm",
    platform: "node",
    external: ["cacache"],
    logLevel: "error",
  });
  for (const [name, code] of Object.entries(SCRIPTS)) writeFileSync(join(work, `${name}.mjs`), code);
}, 60_000);

// The stores the processes filled hold many files: removing them can take long on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a child script; with `killAfterMs`, kills it with SIGKILL that long after its first line of output. */
function start(script: keyof typeof SCRIPTS, args: (string | number)[], killAfterMs?: number): Promise<Exit> {
  const child = spawn(process.execPath, [join(work, `${script}.mjs`), ...args.map(String)], {
    env: { ...process.env, CACHEPHANT_DIR: "", CACHEPHANT_MAX_SIZE: "", CACHEPHANT_DEBUG: "", CACHEPHANT: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    if (stdout === "" && killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe("processes on one store", () => {
  test("kill -9 at random points of 50 writers (values of 100 B to 10 MB) leaves no entry that reads back wrong", async () => {
    const dir = tempDir();
    const next = random(6);
    const reached: number[] = [];
    for (let run = 0; run < 50; run += 5) {
      const batch = [0, 1, 2, 3, 4].map((offset) => start("writer", [dir, run + offset], Math.floor(next() * 500)));
      for (const [offset, exit] of (await Promise.all(batch)).entries()) {
        expect(exit.signal).toBe("SIGKILL");
        expect(exit.stderr).toBe("");
        reached[run + offset] = Math.max(-1, ...exit.stdout.split("\n").filter(Boolean).map(Number));
      }
    }
    configure({ dir });
    const meta = { hash: "kill", name: "value", file: "kill.ts", line: 1, paths: ["args[0]", "args[1]"] };
    let hits = 0;
    for (const [run, last] of reached.entries()) {
      for (let i = 0; i <= last; i++) {
        const value = await runCached(meta, [run, i], async () => {
          throw new Error("miss");
        }).catch((error: Error) => error);
        if (value instanceof Error) continue;
        hits += 1;
        const expected = expectedValue([run, i]);
        expect((value as typeof expected).args).toEqual(expected.args);
        expect((value as typeof expected).bytes.equals(expected.bytes)).toBe(true);
      }
    }
    expect(hits, JSON.stringify(reached)).toBeGreaterThan(10);
    expect((await verify({ dir })).problems).toEqual([]);
  }, 180_000);

  test("8 processes calling shared and own keys while another prunes and verifies in a loop: no wrong value, no warning, verify clean", async () => {
    const dir = tempDir();
    const log = join(dir, "..", `${dir.split("/").pop()}-computes.log`);
    const callers = Array.from({ length: 8 }, (_, i) => start("caller", [dir, `p${i}`, 5000, log]));
    const pruner = start("pruner", [dir, 5000]);
    const exits = await Promise.all([...callers, pruner]);
    for (const exit of exits) {
      expect(exit.stderr).toBe("");
      expect(exit.code).toBe(0);
    }
    const counts = exits.slice(0, 8).map((exit) => JSON.parse(exit.stdout) as { calls: number; wrong: number });
    expect(counts.map((c) => c.wrong)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // At least one shared-key and one own-key call each (a busy machine allows few more in 5 s).
    expect(
      counts.every((c) => c.calls >= 2),
      JSON.stringify(counts),
    ).toBe(true);
    const { prunes, problems } = JSON.parse(exits[8]!.stdout) as { prunes: number; problems: number };
    expect(prunes).toBeGreaterThan(1);
    expect(problems).toBe(0);
    expect(await verify({ dir })).toMatchObject({ problems: [] });
    rmSync(log, { force: true });
  }, 120_000);

  test("500 short processes that each write past the bound keep the store within it, plus what the last batch wrote beside the last prune", async () => {
    const dir = tempDir();
    const [entrySize, maxSize, batch] = [4_000, 100_000, 50];
    for (let first = 0; first < 500; first += batch) {
      const exits = await Promise.all(
        Array.from({ length: batch }, (_, i) => start("short", [dir, first + i, entrySize, maxSize])),
      );
      for (const exit of exits) expect(exit.stderr).toBe("");
    }
    const rows = await list({ dir });
    const stored = rows.reduce((sum, row) => sum + row.size, 0);
    // 2 MB were written; the slack is what processes running beside the last prune wrote after it read the index.
    expect(stored).toBeLessThanOrEqual(maxSize + batch * entrySize);
    expect(rows[0]!.entries).toBeGreaterThan(10);
    expect((await verify({ dir })).problems).toEqual([]);
  }, 600_000);

  test("concurrent misses of one key in 4 processes compute it once; the others read its result", async () => {
    const dir = tempDir();
    const log = join(dir, "..", `${dir.split("/").pop()}-once.log`);
    const exits = await Promise.all(Array.from({ length: 4 }, () => start("slow", [dir, log])));
    for (const exit of exits) expect(exit).toMatchObject({ code: 0, stderr: "" });
    const computedBy = readFileSync(log, "utf8").split("\n").filter(Boolean);
    expect(computedBy).toHaveLength(1);
    for (const exit of exits) expect(JSON.parse(exit.stdout)).toEqual({ by: Number(computedBy[0]) });
    expect(existsSync(log)).toBe(true);
    rmSync(log, { force: true });
  }, 60_000);
});
