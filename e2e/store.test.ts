// The store as a built program leaves it, in separate processes: owner-only
// modes whatever the umask, and no write lost to a file-descriptor limit.
import { execFile } from "node:child_process";
import { chmodSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { CLI_PATH, Project, type RunOutput } from "./helpers/project.js";

const run = promisify(execFile);

/** Runs `node <args>` in the project through bash, after `setup` (`umask 000`, `ulimit -n 256`). */
async function shell(
  project: Project,
  setup: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  const command = `${setup}; exec "$0" "$@"`;
  return run("bash", ["-c", command, process.execPath, ...args], {
    cwd: project.dir,
    env: { ...process.env, CACHEPHANT_DIR: project.cacheDir, CACHEPHANT_DEBUG: "", CACHEPHANT: "", ...env },
    maxBuffer: 64 << 20,
  });
}

async function runProgram<T>(project: Project, setup: string, env: NodeJS.ProcessEnv = {}): Promise<RunOutput<T>> {
  const { stdout, stderr } = await shell(project, setup, ["dist/main.mjs"], env);
  return { ...(JSON.parse(stdout.trim().split("\n").at(-1)!) as Omit<RunOutput<T>, "stderr">), stderr };
}

/** Every folder and file under `root` with its permission bits, as `path: mode`. */
function modes(root: string): Record<string, string> {
  const found: Record<string, string> = { ".": (statSync(root).mode & 0o777).toString(8) };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      found[relative(root, path)] = (statSync(path).mode & 0o777).toString(8);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

function expectOwnerOnly(root: string): void {
  const all = modes(root);
  const loose = Object.entries(all).filter(
    ([path, mode]) => mode !== (statSync(join(root, path)).isDirectory() ? "700" : "600"),
  );
  expect(loose).toEqual([]);
  expect(Object.keys(all).length).toBeGreaterThan(5);
}

describe("esbuild: the store on disk", () => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("under umask 000 every folder of the store is 0700 and every file 0600: entries, locks, the prune stamps, the counts, the side index", async () => {
    project = Project.create("esbuild");
    await project.build();
    const first = await runProgram(project, "umask 000");
    expect(first.runs).toEqual({ square: 2 });
    await shell(project, "umask 000", [CLI_PATH, "prune", "--max-size", "1GB"]);
    expect(readdirSync(join(project.cacheDir, "cachephant")).sort()).toEqual([
      "entries",
      "entries.log",
      "locks",
      "pruned",
      "stats",
      "swept",
    ]);
    expectOwnerOnly(project.cacheDir);
    expect((await runProgram(project, "umask 000")).runs).toEqual({});
  });

  test("a store left 0755/0644 by an older version is tightened by the next write to it", async () => {
    project = Project.create("esbuild");
    await project.build();
    await runProgram(project, "umask 022");
    const loosen = (dir: string): void => {
      chmodSync(dir, 0o755);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) loosen(join(dir, entry.name));
        else chmodSync(join(dir, entry.name), 0o644);
      }
    };
    loosen(project.cacheDir);
    expect(modes(project.cacheDir)["."]).toBe("755");
    // A hit writes nothing and changes nothing; a refresh writes.
    expect((await runProgram(project, "umask 022")).runs).toEqual({});
    expect(modes(project.cacheDir)["."]).toBe("755");
    expect((await runProgram(project, "umask 022", { CACHEPHANT: "refresh" })).runs).toEqual({ square: 2 });
    expectOwnerOnly(project.cacheDir);
  });

  test("a result larger than half the bound is not stored, with one warning naming the function and both sizes, and the store keeps the rest", async () => {
    project = Project.create("esbuild");
    project.write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function small(n: number): Promise<number> {
  "use cache";
  countRun("small");
  return n + 1;
}
export async function huge(): Promise<string> {
  "use cache";
  countRun("huge");
  return "x".repeat(600_000);
}
`,
    );
    project.write(
      "src/scenario.ts",
      `import { huge, small } from "./lib";
export async function scenario() {
  const before = await small(1);
  const text = await huge();
  return [before, text.length, await small(2)];
}
`,
    );
    await project.build();
    const env = { CACHEPHANT_MAX_SIZE: "1MB" };
    const first = await runProgram<number[]>(project, "true", env);
    expect(first.result).toEqual([2, 600_000, 3]);
    expect(first.runs).toEqual({ small: 2, huge: 1 });
    const warning = first.stderr.split("\n").filter((line) => line.includes("huge"));
    expect(warning).toEqual([
      expect.stringMatching(
        /^cachephant: huge \(src\/lib\.ts:\d+\): result not stored, so calls compute again: it takes 600\.\d KB, more than half the cache's size bound \(1\.0 MB\); raise maxSize to cache it$/,
      ),
    ]);
    const second = await runProgram<number[]>(project, "true", env);
    expect(second.result).toEqual([2, 600_000, 3]);
    expect(second.runs).toEqual({ huge: 1 });
    const { stdout } = await shell(project, "true", [CLI_PATH, "ls", "--json"], env);
    expect(JSON.parse(stdout).total.entries).toBe(2);
  });

  test("2,000 concurrent calls with distinct keys under ulimit -n 256 are all stored: the second run computes none", async () => {
    project = Project.create("esbuild");
    project.write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function row(n: number): Promise<{ n: number; text: string }> {
  "use cache";
  countRun("row");
  await new Promise((resolve) => setTimeout(resolve, 1));
  return { n, text: "row ".repeat(50) + n };
}
`,
    );
    project.write(
      "src/scenario.ts",
      `import { row } from "./lib";
export async function scenario() {
  const rows = await Promise.all(Array.from({ length: 2000 }, (_, n) => row(n)));
  return rows.reduce((sum, r) => sum + r.n, 0);
}
`,
    );
    await project.build();
    const first = await runProgram<number>(project, "ulimit -n 256");
    expect(first.result).toBe(1999 * 1000);
    expect(first.runs).toEqual({ row: 2000 });
    expect(first.stderr).not.toMatch(/cannot write|not stored/);
    const second = await runProgram<number>(project, "ulimit -n 256");
    expect(second.result).toBe(1999 * 1000);
    expect(second.runs).toEqual({});
  }, 120_000);
});
