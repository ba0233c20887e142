// "use cache" in files Bun runs directly: the Bun runtime plugin
// (@cachephant/plugin/bun) preloaded from bunfig.toml, each run a new bun process.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { bunBinary } from "./helpers/cells.js";

const run = promisify(execFile);
const e2eRoot = dirname(fileURLToPath(import.meta.url));

test("bun with the preloaded plugin: a new process is served from the cache; a helper edit computes again, a comment edit does not", async () => {
  mkdirSync(join(e2eRoot, ".work"), { recursive: true });
  const dir = mkdtempSync(join(e2eRoot, ".work", "bun-plugin-"));
  cpSync(join(e2eRoot, "fixtures", "bun-app"), dir, { recursive: true });
  const start = async () => {
    const { stdout } = await run(bunBinary(), ["main.ts"], {
      cwd: dir,
      env: { ...process.env, CACHEPHANT_DIR: join(dir, ".cache") },
    });
    return JSON.parse(stdout) as { total: number; same: boolean; runs: number };
  };
  const edit = (file: string, from: string, to: string) => {
    const text = readFileSync(join(dir, file), "utf8");
    if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
    writeFileSync(join(dir, file), text.replace(from, to));
  };

  expect(await start()).toEqual({ total: 385, same: true, runs: 1 });
  expect(await start()).toEqual({ total: 385, same: true, runs: 0 });
  edit("main.ts", "// COMMENT: the weighted sum", "// COMMENT: edited, the same code");
  expect(await start()).toEqual({ total: 385, same: true, runs: 0 });
  edit("helper.ts", "return i * i; // HELPER", "return i * i * i; // HELPER");
  expect(await start()).toEqual({ total: 3025, same: true, runs: 1 });
});

test("without the preload, Bun leaves the directive inert: every run computes", async () => {
  const dir = mkdtempSync(join(e2eRoot, ".work", "bun-plain-"));
  cpSync(join(e2eRoot, "fixtures", "bun-app"), dir, { recursive: true });
  writeFileSync(join(dir, "bunfig.toml"), "");
  const env = { ...process.env, CACHEPHANT_DIR: join(dir, ".cache") };
  await run(bunBinary(), ["main.ts"], { cwd: dir, env });
  const { stdout } = await run(bunBinary(), ["main.ts"], { cwd: dir, env });
  expect(JSON.parse(stdout)).toEqual({ total: 385, same: true, runs: 2 });
});
