// Bun's runtime plugin (`preload = ["@cachephant/plugin/bun"]`), run against a
// stand-in for Bun's plugin API: the loader Bun calls for each file.
import { rmSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { TempProject } from "./helpers/project.js";

type OnLoad = (args: { path: string }) => Promise<{ contents: string; loader: string }>;

let project: TempProject;
afterEach(() => {
  delete (globalThis as { Bun?: unknown }).Bun;
  project?.remove();
});

/** Imports the entry with a fake `Bun.plugin`; returns what it registered. */
async function loadPlugin(): Promise<{ name: string; filter: RegExp; onLoad: OnLoad }> {
  let registered: { name: string; filter: RegExp; onLoad: OnLoad } | undefined;
  (globalThis as { Bun?: unknown }).Bun = {
    plugin(plugin: {
      name: string;
      setup(builder: { onLoad(options: { filter: RegExp }, callback: OnLoad): void }): void;
    }) {
      plugin.setup({
        onLoad: (options, callback) => (registered = { name: plugin.name, filter: options.filter, onLoad: callback }),
      });
    },
  };
  vi.resetModules();
  await import("../src/bun.js");
  if (!registered) throw new Error("the entry registered no onLoad");
  return registered;
}

describe("the Bun runtime plugin", () => {
  test("under Node it throws at import, naming bunfig.toml and Node's --import instead", async () => {
    vi.resetModules();
    await expect(import("../src/bun.js")).rejects.toThrow(/bunfig\.toml.*node --import @cachephant\/plugin\/register/);
  });

  test("its filter takes project code files and never a package's", async () => {
    const { name, filter } = await loadPlugin();
    expect(name).toBe("cachephant");
    expect(["/p/src/a.ts", "/p/src/a.mjs", "/p/src/a.tsx", "/p/src/a.cjs"].every((path) => filter.test(path))).toBe(
      true,
    );
    expect(
      ["/p/node_modules/x/a.js", "C:\\p\\node_modules\\x\\a.ts", "/p/src/a.json", "/p/src/a.css"].some((path) =>
        filter.test(path),
      ),
    ).toBe(false);
  });

  test("a file with the directive is rewritten in its own language; one without is handed back as it is", async () => {
    project = new TempProject()
      .write("src/cached.ts", `export async function square(n: number) {\n  "use cache";\n  return n * n;\n}\n`)
      .write("src/plain.mjs", `export const plain = 1;\n`);
    const { onLoad } = await loadPlugin();
    const cached = await onLoad({ path: project.path("src/cached.ts") });
    expect(cached.loader).toBe("ts");
    expect(cached.contents).toMatch(/^import \{ runCached as __cachephant_run \} from "@cachephant\/runtime";/);
    expect(cached.contents).toContain("//# sourceMappingURL=data:application/json;base64,");
    expect(await onLoad({ path: project.path("src/plain.mjs") })).toEqual({
      contents: project.read("src/plain.mjs"),
      loader: "js",
    });
  });

  test("a file with the directive where the runtime cannot be resolved fails with the fix", async () => {
    project = new TempProject().write(
      "src/cached.js",
      `export async function f(n) {\n  "use cache";\n  return n;\n}\n`,
    );
    // A project that does not depend on the runtime.
    rmSync(project.path("node_modules/@cachephant/runtime"));
    const { onLoad } = await loadPlugin();
    await expect(onLoad({ path: project.path("src/cached.js") })).rejects.toMatchObject({
      code: "CACHEPHANT_RUNTIME_NOT_FOUND",
    });
  });
});
