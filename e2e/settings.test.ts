// One set of settings: the plugin's dir and maxSize reach the built program
// wherever it is started from, and `cachephant ls/prune/clear` run in the
// project folder act on that same store with that bound.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, expect, test } from "vitest";
import { CLI_PATH, Project } from "./helpers/project.js";

const run = promisify(execFile);
// No CACHEPHANT_* from the test's own environment: the project's settings decide.
const env = { ...process.env, CACHEPHANT_DIR: "", CACHEPHANT_MAX_SIZE: "", CACHEPHANT: "", CACHEPHANT_DEBUG: "" };
const elsewhere = mkdtempSync(join(tmpdir(), "cachephant-elsewhere-"));

let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

async function start(cwd: string): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, [join(project.dir, "dist", "main.mjs")], { cwd, env });
  return (JSON.parse(stdout.trim().split("\n").at(-1)!) as { runs: Record<string, number> }).runs;
}

async function cachephant(...args: string[]): Promise<string> {
  return (await run(process.execPath, [CLI_PATH, ...args], { cwd: project.dir, env })).stdout;
}

test("the program uses the plugin's dir from any working directory, and the CLI in the project folder uses that store and bound", async () => {
  project = Project.create("esbuild").write(
    "build.mjs",
    `import { build } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";
await build({
  entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "esm", outfile: "dist/main.mjs",
  plugins: [cachephant({ dir: ".cache/custom", maxSize: "2GB" })], logLevel: "warning",
});
`,
  );
  await project.build();
  const store = join(project.dir, ".cache", "custom");

  expect(await start(elsewhere)).toEqual({ square: 2 });
  expect(existsSync(store)).toBe(true);
  expect(existsSync(join(elsewhere, "node_modules"))).toBe(false);
  expect(await start(join(project.dir, "src"))).toEqual({});

  const listed = JSON.parse(await cachephant("ls", "--json")) as { dir: string; total: { entries: number } };
  expect(listed).toMatchObject({ dir: store, total: { entries: 2 } });
  const pruned = JSON.parse(await cachephant("prune", "--dry-run", "--json")) as { dir: string; maxSize: number };
  expect(pruned).toMatchObject({ dir: store, maxSize: 2e9 });

  expect(await cachephant("clear")).toContain(`Removed 2 entries`);
  expect(await start(project.dir)).toEqual({ square: 2 });
});

test("an invalid CACHEPHANT_MAX_SIZE is one warning in the program, and bad usage (exit 2) for the CLI", async () => {
  project = Project.create("esbuild");
  await project.build();
  const banana = { ...env, CACHEPHANT_MAX_SIZE: "banana" };
  const first = await run(process.execPath, ["dist/main.mjs"], { cwd: project.dir, env: banana });
  expect(first.stderr.trim().split("\n")).toEqual([
    'cachephant: CACHEPHANT_MAX_SIZE="banana" is not a size, so it is ignored. Use a number of bytes or a size such as 500MB, 2GB or 1GiB.',
  ]);
  const second = await run(process.execPath, ["dist/main.mjs"], { cwd: project.dir, env: banana });
  expect(JSON.parse(second.stdout.trim()).runs).toEqual({});
  const failure = await run(process.execPath, [CLI_PATH, "prune"], { cwd: project.dir, env: banana }).catch(
    (error: unknown) => error,
  );
  expect(failure).toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/^cachephant: CACHEPHANT_MAX_SIZE="banana" is not a size/),
  });
});

test("a misspelled CACHEPHANT_* variable is one warning naming the real one in the program, and bad usage (exit 2) for the CLI", async () => {
  project = Project.create("esbuild");
  await project.build();
  const typo = { ...env, CACHEPHANT_DEBG: "1" };
  const first = await run(process.execPath, ["dist/main.mjs"], { cwd: project.dir, env: typo });
  expect(first.stderr.trim().split("\n")).toEqual([
    'cachephant: CACHEPHANT_DEBG="1" is not a Cachephant variable, so it is ignored; did you mean CACHEPHANT_DEBUG?',
  ]);
  expect(JSON.parse(first.stdout.trim()).result).toEqual([9, 16]);
  const failure = await run(process.execPath, [CLI_PATH, "ls"], { cwd: project.dir, env: typo }).catch(
    (error: unknown) => error,
  );
  expect(failure).toMatchObject({
    code: 2,
    stderr: expect.stringMatching(
      /^cachephant: CACHEPHANT_DEBG="1" is not a Cachephant variable; did you mean CACHEPHANT_DEBUG\?/,
    ),
  });
});

test("the same words wherever a setting is misspelled: the plugin's options warn, package.json's key warns, configure() throws", async () => {
  project = Project.create("esbuild")
    .write(
      "build.mjs",
      `import { build } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";
await build({
  entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "esm", outfile: "dist/main.mjs",
  plugins: [cachephant({ maxsize: "2GB" })], logLevel: "warning",
});
`,
    )
    .write(
      "src/scenario.ts",
      `import { configure } from "@cachephant/runtime";
import { square } from "./lib";
export async function scenario() {
  const refused: string[] = [];
  for (const options of [{ dirr: ".cache/x" }, { enabled: "no" }]) {
    try { configure(options as never); } catch (error) { refused.push(\`\${(error as Error).name}: \${(error as Error).message}\`); }
  }
  return { refused, square: await square(3) };
}
`,
    );
  const manifest = JSON.parse(project.read("package.json")) as Record<string, unknown>;
  project.write("package.json", JSON.stringify({ ...manifest, cachephant: { dirr: ".cache/y" } }));
  const built = await project.build();
  expect(built.stderr).toContain(
    'cachephant: cachephant({ maxsize: "2GB" }): unknown setting "maxsize"; did you mean maxSize? It is ignored.',
  );
  const { stdout, stderr } = await run(process.execPath, ["dist/main.mjs"], { cwd: project.dir, env });
  expect(JSON.parse(stdout.trim().split("\n").at(-1)!).result).toEqual({
    refused: [
      'ConfigError: configure({ dirr: ".cache/x" }): unknown setting "dirr"; did you mean dir?',
      'ConfigError: configure({ enabled: "no" }): expected true or false.',
    ],
    square: 9,
  });
  expect(stderr).toContain(
    'cachephant: package.json "cachephant": { "dirr": ".cache/y" }: unknown setting "dirr"; did you mean dir? It is ignored.',
  );
});

test("one bound for the project: a vite build with maxSize 2GB and an esbuild build without options keep both records; the CLI uses 2GB and says where it came from; a build that disagrees is warned", async () => {
  project = Project.create("vite");
  project.write(
    "vite.config.ts",
    project.read("vite.config.ts").replace("cachephant()", 'cachephant({ maxSize: "2GB" })'),
  );
  await project.build();
  const record = join("node_modules", ".cache", "cachephant-settings.json");
  const viteSource = `the plugin option maxSize of the vite build, recorded in ${record}`;
  const settingsOf = async () => (JSON.parse(await cachephant("ls", "--json")) as { settings: unknown }).settings;
  expect(await settingsOf()).toMatchObject({ maxSize: { value: 2e9, source: viteSource } });

  // esbuild, no options: the vite build's record stays, and the program it builds uses the project's bound too.
  const esbuild = await run(process.execPath, ["build.mjs"], { cwd: project.dir, env });
  expect(esbuild.stderr).toBe("");
  expect(await settingsOf()).toMatchObject({ maxSize: { value: 2e9, source: viteSource } });
  expect(await cachephant("ls")).toContain(`size bound 2.0 GB from ${viteSource}`);

  // esbuild with another bound: its build says so, and the CLI keeps the largest, saying why.
  project.write("build.mjs", project.read("build.mjs").replace("cachephant()", 'cachephant({ maxSize: "500MB" })'));
  const disagreeing = await run(process.execPath, ["build.mjs"], { cwd: project.dir, env });
  expect(disagreeing.stderr).toContain('this esbuild build sets maxSize "500MB" where the vite build sets "2GB"');
  expect(disagreeing.stderr).toContain('"cachephant": { "maxSize": ..., "dir": ... } in package.json');
  expect(await settingsOf()).toMatchObject({
    maxSize: {
      value: 2e9,
      source: `the plugin option maxSize of the vite build (the largest; builds disagree), recorded in ${record}`,
    },
  });
  const { stdout } = await run("stat", ["-c", "%a", join(project.dir, record)]);
  expect(stdout.trim()).toBe("600");
});
