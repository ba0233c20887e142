// Node's load hook for `node --import @cachephant/plugin/register`, called as
// Node calls it: each project module with the directive comes back rewritten.
import { readFileSync } from "node:fs";
import type { LoadHook, LoadFnOutput } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { TempProject } from "./helpers/project.js";

let project: TempProject;
let load: LoadHook;
const cwd = process.cwd();

beforeAll(async () => {
  project = new TempProject()
    .write("app/cached.mjs", `export async function square(n) {\n  "use cache";\n  return n * n;\n}\n`)
    .write("app/plain.mjs", `export const plain = 1;\n`)
    .write("app/typed.ts", `export async function f(n: number) {\n  "use cache";\n  return n;\n}\n`)
    .write("app/near.mjs", `export async function g(n) {\n  "use cahce";\n  return n;\n}\n`)
    .write("app/sync.mjs", `export function sync(n) {\n  "use cache";\n  return n;\n}\n`)
    .write("node_modules/dep/index.mjs", `export async function h(n) {\n  "use cache";\n  return n;\n}\n`);
  // The hooks take the working directory as the project root when they load.
  process.chdir(project.root);
  vi.resetModules();
  ({ load } = await import("../src/register-hooks.js"));
});

afterAll(() => {
  process.chdir(cwd);
  project.remove();
});

/** Node's default load, as the next hook in the chain. */
const nextLoad = (async (url: string) => ({
  format: "module",
  source: readFileSync(fileURLToPath(url)),
  shortCircuit: true,
})) as Parameters<LoadHook>[2];

/** The hook's output as text (it hands back a string or the bytes it was given). */
function text(source: LoadFnOutput["source"]): string {
  return typeof source === "string" ? source : Buffer.from(source as Uint8Array).toString("utf8");
}

function loadFile(file: string): Promise<LoadFnOutput> {
  const context = { conditions: [], format: undefined, importAttributes: {} } as unknown as Parameters<LoadHook>[1];
  return load(pathToFileURL(project.path(file)).href, context, nextLoad) as Promise<LoadFnOutput>;
}

describe("the register load hook", () => {
  test("a project module with the directive comes back rewritten, with its source map inline", async () => {
    const { source } = await loadFile("app/cached.mjs");
    expect(text(source)).toMatch(/^import \{ runCached as __cachephant_run \} from "@cachephant\/runtime";/);
    expect(text(source)).toMatch(/\n\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+\n$/);
  });

  test("modules without the directive, under node_modules, or not plain JavaScript are passed on as loaded", async () => {
    for (const file of ["app/plain.mjs", "node_modules/dep/index.mjs", "app/typed.ts"]) {
      const { source } = await loadFile(file);
      expect(Buffer.from(source as Uint8Array).toString("utf8"), file).toBe(project.read(file));
    }
  });

  test("a near miss of the directive is said once on stderr, however often the module loads", async () => {
    const written = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await loadFile("app/near.mjs");
      await loadFile("app/near.mjs");
      const warnings = written.mock.calls
        .map(([text]) => String(text))
        .filter((text) => text.startsWith("cachephant: warning: "));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("use cahce");
    } finally {
      written.mockRestore();
    }
  });

  test("a misused directive fails the load with the build error's code and no plugin stack frames", async () => {
    const error = await loadFile("app/sync.mjs").then(
      () => undefined,
      (error: Error & { code?: string }) => error,
    );
    expect(error?.code).toBe("CACHEPHANT_NOT_ASYNC");
    expect(error?.message).toMatch(/sync\.mjs:1:8: /);
    expect(error?.stack ?? "").not.toMatch(/^\s+at /m);
  });
});
