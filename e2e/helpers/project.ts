import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "vitest";

const run = promisify(execFile);
const e2eRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
// Inside the workspace, so the copies resolve @cachephant/* and the bundlers
// from e2e/node_modules: pnpm's strict layout, as a user project has it.
const workRoot = join(e2eRoot, ".work");
/** The `cachephant` CLI as the e2e workspace installs it (the built runtime). */
export const CLI_PATH = join(e2eRoot, "node_modules", "@cachephant", "runtime", "dist", "cli.js");

export type Bundler = "vite" | "esbuild" | "webpack" | "rspack";
export const BUNDLERS: readonly Bundler[] = ["vite", "esbuild"];

export interface RunOutput<T = unknown> {
  result: T;
  /** How often each cached body ran in that process. */
  runs: Record<string, number>;
  stderr: string;
}

export interface ProcessFailure {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Check mode for the programs the suite runs: off, unless the suite runs
 * under `scripts/e2e-check.mjs` (E2E_CHECK_REPORT names its report), which
 * proves that no hit in the whole suite is stale.
 */
function checkMode(): NodeJS.ProcessEnv {
  const report = process.env.E2E_CHECK_REPORT;
  return report
    ? { CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report }
    : { CACHEPHANT_CHECK: "", CACHEPHANT_CHECK_REPORT: "" };
}

/**
 * A copy of a fixture project built by a real bundler in a child process and
 * run with plain `node` in another, sharing one cache folder across runs.
 */
export class Project {
  readonly cacheDir: string;

  private constructor(
    readonly dir: string,
    readonly bundler: Bundler,
    private readonly buildEnv: NodeJS.ProcessEnv,
  ) {
    this.cacheDir = join(dir, ".cache");
  }

  static create(bundler: Bundler, options: { fixture?: string; buildEnv?: NodeJS.ProcessEnv } = {}): Project {
    mkdirSync(workRoot, { recursive: true });
    const dir = mkdtempSync(join(workRoot, `${bundler}-`));
    cpSync(join(e2eRoot, "fixtures", options.fixture ?? "app"), dir, { recursive: true });
    return new Project(dir, bundler, options.buildEnv ?? {});
  }

  write(file: string, content: string): this {
    const path = join(this.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return this;
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), "utf8");
  }

  /** Builds with the project's own config: `vite build`, `node build.mjs` (esbuild) or `node <bundler>.build.mjs`. */
  async build(): Promise<{ stdout: string; stderr: string }> {
    const env = { ...process.env, ...this.buildEnv, NODE_ENV: "production" };
    if (this.bundler === "vite") {
      const vite = join(e2eRoot, "node_modules", "vite", "bin", "vite.js");
      return run(process.execPath, [vite, "build"], { cwd: this.dir, env });
    }
    const script = this.bundler === "esbuild" ? "build.mjs" : `${this.bundler}.build.mjs`;
    return run(process.execPath, [script], { cwd: this.dir, env });
  }

  /** Expects the build to fail; returns what it printed. */
  async buildFailure(): Promise<ProcessFailure> {
    try {
      await this.build();
    } catch (error) {
      const failure = error as ProcessFailure & { code: number | null };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
    }
    throw new Error(`the ${this.bundler} build of ${this.dir} succeeded, but it should have failed`);
  }

  /** Runs the built program in a new node process. */
  async run<T = unknown>(env: NodeJS.ProcessEnv = {}, program = "dist/main.mjs"): Promise<RunOutput<T>> {
    const { stdout, stderr } = await run(process.execPath, [program], {
      cwd: this.dir,
      env: {
        ...process.env,
        CACHEPHANT_DIR: this.cacheDir,
        CACHEPHANT_DEBUG: "",
        CACHEPHANT: "",
        ...checkMode(),
        ...env,
      },
    });
    const line = stdout.trim().split("\n").at(-1) ?? "";
    try {
      return { ...(JSON.parse(line) as Omit<RunOutput<T>, "stderr">), stderr };
    } catch (error) {
      throw new Error(`the program printed no JSON line.\nstdout:\n${stdout}\nstderr:\n${stderr}`, { cause: error });
    }
  }

  /**
   * Runs the built program cached, then with the cache off (the reference),
   * and expects the same result; returns the cached run.
   */
  async runAgainstUncached<T = unknown>(env: NodeJS.ProcessEnv = {}, program?: string): Promise<RunOutput<T>> {
    const cached = await this.run<T>(env, program);
    const uncached = await this.run<T>({ ...env, CACHEPHANT: "off" }, program);
    expect(cached.result).toEqual(uncached.result);
    return cached;
  }

  /**
   * As `runAgainstUncached`, then once more in check mode (every hit also
   * computes and compares: docs/keys.md), which must give the uncached result,
   * print no stale or nondeterministic finding and leave an empty report.
   */
  async runAgainstUncachedAndChecked<T = unknown>(env: NodeJS.ProcessEnv = {}): Promise<RunOutput<T>> {
    const cached = await this.run<T>(env);
    const uncached = await this.run<T>({ ...env, CACHEPHANT: "off" });
    expect(cached.result).toEqual(uncached.result);
    const report = join(this.dir, "check-report.jsonl");
    const checked = await this.run<T>({ ...env, CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report });
    expect(checked.result).toEqual(uncached.result);
    expect(checked.stderr).not.toMatch(/cachephant: (stale|nondeterministic):/);
    expect(existsSync(report) ? readFileSync(report, "utf8") : "").toBe("");
    return cached;
  }

  /** Builds, then runs. */
  async buildAndRun<T = unknown>(env: NodeJS.ProcessEnv = {}): Promise<RunOutput<T>> {
    await this.build();
    return this.run<T>(env);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
