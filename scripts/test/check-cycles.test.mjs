import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";

const script = fileURLToPath(new URL("../check-cycles.mjs", import.meta.url));
const run = promisify(execFile);
const trees = [];

/** A temporary folder holding `files` (path → text). */
function tree(files) {
  const root = mkdtempSync(join(tmpdir(), "cachephant-cycles-"));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Runs the script in `cwd` with `args` as a user does; never throws on a non-zero exit. */
async function check(cwd, args = []) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error?.code !== "number") throw error;
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("scripts/check-cycles.mjs", () => {
  test("reports each cycle as a path and exits 1, following type imports, re-exports and folder indexes", async () => {
    const root = tree({
      "packages/one/src/a.ts": 'import { b } from "./b.js";\nexport const a = b;\n',
      "packages/one/src/b.ts": 'import type { A } from "./a.js";\nexport const b = 1;\nexport type B = A;\n',
      "packages/one/src/p.ts": 'import type { Q } from "./q.js";\nexport type P = Q;\n',
      "packages/one/src/q.ts": 'import { type P } from "./p.js";\nexport type Q = P | 1;\n',
      "packages/two/src/x.ts": 'export { y } from "./y";\n',
      "packages/two/src/y/index.ts": 'import "../x.js";\nexport const y = 2;\n',
    });
    const { code, stderr } = await check(root);
    expect(code).toBe(1);
    expect(stderr).toContain("cycle: packages/one/src/a.ts → packages/one/src/b.ts → packages/one/src/a.ts\n");
    expect(stderr).toContain(
      "cycle (types only): packages/one/src/p.ts → packages/one/src/q.ts → packages/one/src/p.ts\n",
    );
    expect(stderr).toContain("cycle: packages/two/src/x.ts → packages/two/src/y/index.ts → packages/two/src/x.ts\n");
    expect(stderr).toContain("3 import cycles");
  });

  test("passes a tree without cycles, where only a dynamic import or a string points back", async () => {
    const root = tree({
      "src/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/b.ts": 'import { c } from "./c.js";\nexport const b = c;\n',
      "src/c.ts":
        'export const c = 1;\nexport const later = () => import("./a.js");\nexport const text = `import { a } from "./a.js"`;\n',
    });
    const { code, stdout } = await check(root, ["src"]);
    expect(code).toBe(0);
    expect(stdout).toContain("no import cycle among 3 files");
  });

  test("names a folder that does not exist and exits 2", async () => {
    const { code, stderr } = await check(tree({}), ["missing"]);
    expect(code).toBe(2);
    expect(stderr).toContain("missing is not a directory");
  });
});
