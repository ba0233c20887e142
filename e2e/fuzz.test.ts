// Differential fuzzer: seeded multi-module programs, each built with esbuild
// with and without the plugin and run in separate processes against one
// store, across random edits of code and data and random scripts of calls and
// state changes. A cached program must print exactly what the uncached one
// prints; a replay of the same script must be answered from the store.
//
// `FUZZ_PROGRAMS=500 pnpm fuzz` for a long run; `FUZZ_SEED` to start elsewhere.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import cachephant from "@cachephant/plugin/esbuild";
import { build } from "esbuild";
import { expect, test } from "vitest";
import {
  describe as describeProgram,
  edit,
  files,
  generate,
  random,
  mayComputeOnReplay,
  script,
} from "./fuzz/program.js";

const run = promisify(execFile);
const workRoot = join(dirname(fileURLToPath(import.meta.url)), ".work");
const PROGRAMS = Number(process.env.FUZZ_PROGRAMS ?? 6);
const EDITS = Number(process.env.FUZZ_EDITS ?? 2);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

interface Output {
  results: unknown[];
  runs: Record<string, number>;
}

async function bundle(dir: string, outfile: string, cached: boolean): Promise<void> {
  await build({
    absWorkingDir: dir,
    entryPoints: [join(dir, "src/main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "esnext",
    outfile: join(dir, outfile),
    plugins: cached ? [cachephant({ root: dir })] : [],
    logLevel: "silent",
  });
}

const runner = join(dirname(fileURLToPath(import.meta.url)), "fuzz", "runner.mjs");

/** Runs the bundle once per script in one child process (a fresh module instance each, one store). */
async function execute(dir: string, file: string, scripts: unknown[]): Promise<Output[]> {
  const { stdout } = await run(process.execPath, [runner], {
    cwd: dir,
    env: {
      ...process.env,
      CACHEPHANT_DIR: join(dir, ".cache"),
      CACHEPHANT: "",
      CACHEPHANT_DEBUG: "",
      FUZZ_RUNS: JSON.stringify([join(dir, file), scripts]),
    },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Output[];
}

/** Builds and runs one program through its edits; returns how many edits it went through. */
async function checkProgram(seed: number): Promise<number> {
  mkdirSync(workRoot, { recursive: true });
  const dir = mkdtempSync(join(workRoot, "fuzz-"));
  const program = generate(seed);
  const next = random(seed ^ 0x5eed);
  const history: string[] = [];
  const fail = (message: string, written: Record<string, string>) => {
    const listing = Object.entries(written)
      .map(([file, content]) => `--- ${file}\n${content}`)
      .join("\n");
    return `${message}\nseed ${seed} (FUZZ_SEED=${seed} FUZZ_PROGRAMS=1), kept in ${dir}\npatterns: ${describeProgram(program)}\nedits: ${history.join("; ") || "none"}\n${listing}`;
  };
  for (let version = 0; version <= EDITS; version++) {
    if (version > 0) history.push(edit(program, next));
    const written = files(program);
    for (const [file, content] of Object.entries(written)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    await Promise.all([bundle(dir, "dist/plain.mjs", false), bundle(dir, "dist/cached.mjs", true)]);
    // Two scripts; the cached bundle runs each twice (the second time from the store).
    const scripts = [script(program, next), script(program, next)];
    const [plain, cached] = await Promise.all([
      execute(dir, "dist/plain.mjs", scripts),
      execute(dir, "dist/cached.mjs", [scripts[0], scripts[0], scripts[1], scripts[1]]),
    ]);
    scripts.forEach((steps, index) => {
      const where = `script ${JSON.stringify(steps)}`;
      const [first, again] = [cached[2 * index]!, cached[2 * index + 1]!];
      expect(first.results, fail(`the cached program returned another result (first run), ${where}`, written)).toEqual(
        plain[index]!.results,
      );
      expect(again.results, fail(`the cached program returned another result (replay), ${where}`, written)).toEqual(
        plain[index]!.results,
      );
      // Calls that run uncached by rule, and entries whose recorded inputs a script changed, compute again.
      const exempt = mayComputeOnReplay(program);
      const computed = Object.fromEntries(Object.entries(again.runs).filter(([name]) => !exempt.has(name)));
      expect(computed, fail(`a replay of the same script computed again, ${where}`, written)).toEqual({});
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return EDITS;
}

test(
  `${PROGRAMS} generated programs, ${EDITS} edits each: the cached build prints what the uncached build prints`,
  async () => {
    let edits = 0;
    for (let index = 0; index < PROGRAMS; index++) {
      edits += await checkProgram(SEED + index);
      if (process.env.FUZZ_PROGRESS) console.log(`fuzz: ${index + 1} programs, ${edits} edits passed`);
    }
    console.log(`fuzz: ${PROGRAMS} programs (seeds ${SEED}..${SEED + PROGRAMS - 1}) and ${edits} edits passed`);
  },
  600_000 + PROGRAMS * 20_000,
);
