import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const e2eRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(e2eRoot, "package.json"));

/** The Deno binary the npm package `deno` installed. */
export function denoBinary(): string {
  return existsOrThrow(join(dirname(require.resolve("deno/package.json")), "deno"), "deno");
}

/** The Bun binary the npm package `bun` installed (named bun.exe on every platform). */
export function bunBinary(): string {
  return existsOrThrow(join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe"), "bun");
}

function existsOrThrow(path: string, name: string): string {
  if (!existsSync(path))
    throw new Error(`the npm package ${name} did not install its binary at ${path}; run the workspace install again`);
  return path;
}

export type Runner = "node" | "node-repl" | "deno" | "deno-npm" | "bun";

/** What a run of `fixtures/cells/cell.mjs` printed. */
export interface CellOutput {
  total: number;
  /** The second definition of the function in the same process returned the same value. */
  same: boolean;
  /** A Date came back as a Date. */
  date: boolean;
  /** How often the function's body ran in that process. */
  computed: number;
}

/**
 * A copy of `fixtures/cells` inside the e2e package (so `@cachephant/runtime`
 * resolves from its node_modules), run in a new process per call, all runs
 * sharing one cache folder.
 */
export class Cells {
  readonly dir: string;
  readonly cacheDir: string;

  constructor(name: string) {
    const work = join(e2eRoot, ".work");
    mkdirSync(work, { recursive: true });
    this.dir = mkdtempSync(join(work, `${name}-`));
    cpSync(join(e2eRoot, "fixtures", "cells"), this.dir, { recursive: true });
    this.cacheDir = join(this.dir, ".cache");
  }

  /** Replaces text in the cell (throws when it is not there, so an edit cannot silently do nothing). */
  edit(from: string, to: string, file = "cell.mjs"): this {
    const path = join(this.dir, file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
    writeFileSync(path, text.replace(from, to));
    return this;
  }

  async run(runner: Runner, env: NodeJS.ProcessEnv = {}): Promise<CellOutput & { stderr: string }> {
    const fullEnv = { ...process.env, CACHEPHANT_DIR: this.cacheDir, ...env };
    let stdout: string;
    let stderr: string;
    if (runner === "node-repl") ({ stdout, stderr } = await this.runRepl(fullEnv));
    else ({ stdout, stderr } = await run(...this.command(runner), { cwd: this.dir, env: fullEnv }));
    const line = stdout.split("\n").find((text) => text.includes('{"total"'));
    if (!line) throw new Error(`the cell printed no result under ${runner}:\n${stdout}\n${stderr}`);
    return { ...(JSON.parse(line.slice(line.indexOf("{"))) as CellOutput), stderr };
  }

  private command(runner: Exclude<Runner, "node-repl">): [string, string[]] {
    switch (runner) {
      case "node":
        return [process.execPath, ["cell.mjs"]];
      case "deno":
        return [denoBinary(), ["run", "--allow-all", "cell.mjs"]];
      case "deno-npm": {
        const text = readFileSync(join(this.dir, "cell.mjs"), "utf8").replace(
          'from "@cachephant/runtime"',
          'from "npm:@cachephant/runtime"',
        );
        writeFileSync(join(this.dir, "cell-npm.mjs"), text);
        return [denoBinary(), ["run", "--allow-all", "cell-npm.mjs"]];
      }
      case "bun":
        return [bunBinary(), ["cell.mjs"]];
    }
  }

  /**
   * The cell typed into Node's REPL (`node -i`) line by line, each line sent
   * after the REPL's prompt for it (it does not wait for a top-level `await`
   * before reading on), the import written as the REPL allows it.
   */
  private runRepl(env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
    const lines = readFileSync(join(this.dir, "cell.mjs"), "utf8")
      .replace(
        'import { cached } from "@cachephant/runtime";',
        'const { cached } = await import("@cachephant/runtime");',
      )
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trim().startsWith("//"));
    lines.push(".exit");
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["-i"], { cwd: this.dir, env: { ...env, NODE_REPL_HISTORY: "" } });
      let stdout = "";
      let stderr = "";
      let sent = 0;
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/(?:> |\.\.\. )$/.test(stdout) && sent < lines.length) child.stdin.write(`${lines[sent++]}\n`);
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0
          ? resolve({ stdout, stderr })
          : reject(new Error(`node -i exited with ${code}:\n${stdout}\n${stderr}`)),
      );
    });
  }
}
