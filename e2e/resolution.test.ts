// What an import resolves to is part of the key: a build setting that points
// an import at another file (an alias, tsconfig `paths`) computes again, and
// a workspace or linked package counts by its code, not its version. Each row
// builds with a real bundler, changes what decides the resolution, builds
// again, and runs in separate processes sharing one cache folder; each run's
// result must equal what the same program returns with the cache off.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const cachedLabel = (specifier: string) => `import { countRun } from "./runs";
import { label } from ${JSON.stringify(specifier)};
export async function compute(x: number) {
  "use cache";
  countRun("compute");
  return label(x);
}
`;

const scenario = `import { compute } from "./lib";\nexport async function scenario() {\n  return compute(1);\n}\n`;

/** esbuild's build script with extra build options (source text of an object's entries). */
const esbuildConfig = (extra: string) => `import { build } from "esbuild";
import cachephant from "@cachephant/plugin/esbuild";
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "esnext",
  outfile: "dist/main.mjs",
  plugins: [cachephant()],
  logLevel: "warning",
  ${extra}
});
`;

/** Vite's config (an SSR build, as the fixture's) with the given `resolve` options (source text). */
const viteConfig = (resolveOptions: string) => `import { fileURLToPath } from "node:url";
import cachephant from "@cachephant/plugin/vite";
import { defineConfig } from "vite";
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export default defineConfig({
  logLevel: "warn",
  plugins: [cachephant()],
  resolve: ${resolveOptions},
  build: {
    ssr: "src/main.ts",
    target: "esnext",
    outDir: "dist",
    emptyOutDir: true,
    minify: false,
    rollupOptions: { input: "src/main.ts", output: { entryFileNames: "main.mjs" } },
  },
});
`;

describe.each(BUNDLERS)("%s: what an import resolves to", (bundler) => {
  let project: Project;
  const cleanups: Array<() => void> = [];
  afterEach((context) => {
    if (context.task.result?.state === "pass") {
      project?.remove();
      for (const cleanup of cleanups.splice(0)) cleanup();
    }
  });

  /** Runs the built program cached, and checks the result is the uncached one. */
  const runBoth = () => project.runAgainstUncached();

  function createWithHelpers() {
    project = Project.create(bundler);
    project.write("src/helper-a.ts", `export function label(x: number) { return "a" + x; }\n`);
    project.write("src/helper-b.ts", `export function label(x: number) { return "b" + x; }\n`);
    project.write("src/lib.ts", cachedLabel("helper-alias"));
    project.write("src/scenario.ts", scenario);
  }

  /** Builds with `configure("a")`, then `configure("b")`, then `configure("a")` again: new, new, reused. */
  async function switchBetweenBuilds(configure: (helper: "a" | "b") => void) {
    configure("a");
    await project.build();
    expect(await runBoth()).toMatchObject({ result: "a1", runs: { compute: 1 } });
    configure("b");
    await project.build();
    expect(await runBoth()).toMatchObject({ result: "b1", runs: { compute: 1 } });
    configure("a");
    await project.build();
    // Back to the first helper: its result is still stored.
    expect(await runBoth()).toMatchObject({ result: "a1", runs: {} });
  }

  test("an alias switched to another helper file between builds computes again", async () => {
    createWithHelpers();
    await switchBetweenBuilds((helper) => {
      if (bundler === "esbuild")
        project.write("build.mjs", esbuildConfig(`alias: { "helper-alias": "./src/helper-${helper}.ts" },`));
      else
        project.write("vite.config.ts", viteConfig(`{ alias: { "helper-alias": here("./src/helper-${helper}.ts") } }`));
    });
  });

  test("tsconfig `paths` switched to another helper file between builds computes again", async () => {
    createWithHelpers();
    // esbuild reads the nearest tsconfig.json by itself; Vite 8 with `resolve.tsconfigPaths`.
    if (bundler === "vite") project.write("vite.config.ts", viteConfig("{ tsconfigPaths: true }"));
    await switchBetweenBuilds((helper) => {
      project.write(
        "tsconfig.json",
        JSON.stringify(
          {
            compilerOptions: { baseUrl: ".", paths: { "helper-alias": [`./src/helper-${helper}.ts`] } },
            include: ["src"],
          },
          null,
          2,
        ),
      );
    });
  });

  test("a tsconfig the project's tsconfig extends, switched between builds, computes again", async () => {
    createWithHelpers();
    if (bundler === "vite") project.write("vite.config.ts", viteConfig("{ tsconfigPaths: true }"));
    project.write("tsconfig.json", JSON.stringify({ extends: "./config/tsconfig.base.json", include: ["src"] }));
    await switchBetweenBuilds((helper) => {
      project.write(
        "config/tsconfig.base.json",
        JSON.stringify({ compilerOptions: { paths: { "helper-alias": [`../src/helper-${helper}.ts`] } } }),
      );
    });
  });

  test("package.json `imports` switched to another helper file between builds computes again", async () => {
    createWithHelpers();
    project.write("src/lib.ts", cachedLabel("#helper"));
    await switchBetweenBuilds((helper) => {
      project.write(
        "package.json",
        JSON.stringify({
          name: "cachephant-e2e-app",
          private: true,
          type: "module",
          imports: { "#helper": `./src/helper-${helper}.ts` },
        }),
      );
    });
  });

  test("resolve conditions switched between builds (a conditional `imports` entry) compute again", async () => {
    createWithHelpers();
    project.write("src/lib.ts", cachedLabel("#helper"));
    project.write(
      "package.json",
      JSON.stringify({
        name: "cachephant-e2e-app",
        private: true,
        type: "module",
        imports: { "#helper": { "helper-b": "./src/helper-b.ts", default: "./src/helper-a.ts" } },
      }),
    );
    await switchBetweenBuilds((helper) => {
      const conditions = helper === "b" ? `["helper-b"]` : "[]";
      if (bundler === "esbuild") project.write("build.mjs", esbuildConfig(`conditions: ${conditions},`));
      else
        project.write(
          "vite.config.ts",
          viteConfig(`{ conditions: ${conditions} }`).replace(
            "  build: {",
            `  ssr: { resolve: { conditions: ${conditions} } },\n  build: {`,
          ),
        );
    });
  });

  /**
   * A package symlinked into node_modules from a folder outside the project
   * (a `file:` or `link:` dependency, a workspace package): edited between
   * builds without a version change, it computes again.
   */
  async function linkedPackageEdited(preserveSymlinks: boolean) {
    project = Project.create(bundler);
    const outside = mkdtempSync(join(dirname(project.dir), "linked-"));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const writeLinked = (body: string) => {
      writeFileSync(
        join(outside, "package.json"),
        JSON.stringify({ name: "linked-helper", version: "1.0.0", type: "module", exports: { ".": "./index.js" } }),
      );
      writeFileSync(join(outside, "index.js"), `export function label(x) { return ${body}; }\n`);
    };
    writeLinked(`"v1:" + x`);
    mkdirSync(join(project.dir, "node_modules"), { recursive: true });
    symlinkSync(outside, join(project.dir, "node_modules", "linked-helper"), "dir");
    project.write("src/lib.ts", cachedLabel("linked-helper"));
    project.write("src/scenario.ts", scenario);
    if (bundler === "esbuild")
      project.write("build.mjs", esbuildConfig(preserveSymlinks ? "preserveSymlinks: true," : ""));
    else project.write("vite.config.ts", viteConfig(preserveSymlinks ? "{ preserveSymlinks: true }" : "{}"));

    await project.build();
    expect(await runBoth()).toMatchObject({ result: "v1:1", runs: { compute: 1 } });
    writeLinked(`"v2:" + x`);
    await project.build();
    expect(await runBoth()).toMatchObject({ result: "v2:1", runs: { compute: 1 } });
    // Nothing changed: reused.
    await project.build();
    expect(await runBoth()).toMatchObject({ result: "v2:1", runs: {} });
  }

  test("a linked package edited without a version change computes again", async () => {
    await linkedPackageEdited(false);
  });

  test("a linked package edited without a version change computes again, also when the bundler keeps the linked path (preserveSymlinks)", async () => {
    await linkedPackageEdited(true);
  });
});
