// What decides where imports resolve is part of every remembered analysis:
// the fingerprint changes with each resolve setting and resolution file, and
// with nothing else.
import { readdirSync, readFileSync, utimesSync } from "node:fs";
import { build as viteBuild } from "vite";
import { afterEach, describe, expect, test } from "vitest";
import {
  esbuildResolveSettings,
  parseJsonc,
  ResolutionFingerprint,
  rollupResolveSettings,
  stableText,
  viteResolveSettings,
  webpackResolveSettings,
} from "../src/resolution/index.js";
import cachephant from "../src/index.js";
import { BUILD_CACHE_DIR } from "../src/module-transformer.js";
import { WEBPACK_LIKE } from "./helpers/bundlers.js";
import { hashesIn, TempProject } from "./helpers/project.js";

let project: TempProject;
afterEach(() => project?.remove());

/** A fingerprint with its memo kept in memory (a new process: `fresh`). */
function fingerprinter() {
  let saved: unknown;
  let writes = 0;
  const make = () =>
    new ResolutionFingerprint({
      read: () => saved,
      write: (memo) => {
        writes++;
        saved = JSON.parse(JSON.stringify(memo));
      },
    });
  return { make, writes: () => writes };
}

function fingerprintOf(settings: unknown = {}, tsconfigs: string[] = []): string {
  return fingerprinter().make().compute(project.root, settings, tsconfigs);
}

describe("stableText", () => {
  test("sees values, not key order; functions by source, regular expressions by text; cycles cut", () => {
    expect(stableText({ a: 1, b: [2, "x"] })).toBe(stableText({ b: [2, "x"], a: 1 }));
    expect(stableText({ a: 1, b: undefined })).toBe(stableText({ a: 1 }));
    expect(stableText({ find: /^@\//, replacement: "/src/" })).not.toBe(
      stableText({ find: /^~\//, replacement: "/src/" }),
    );
    expect(stableText({ resolve: (id: string) => id + "a" })).not.toBe(
      stableText({ resolve: (id: string) => id + "b" }),
    );
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    expect(stableText(cyclic)).toBe('{"name":"x","self":…}');
    class Plugin {
      constructor(readonly options: unknown) {}
    }
    expect(stableText([new Plugin({ a: 1 })])).toBe('[Plugin{"options":{"a":1}}]');
  });

  test("parseJsonc reads tsconfig's comments and trailing commas, not inside strings", () => {
    expect(parseJsonc(`{\n  // paths\n  "a": "http://x/*y*/", /* b */ "b": [1, 2,],\n}`)).toEqual({
      a: "http://x/*y*/",
      b: [1, 2],
    });
    expect(parseJsonc("not json")).toBeUndefined();
  });
});

describe("the settings of each bundler", () => {
  const base = { entryPoints: ["src/main.ts"], bundle: true, platform: "node" as const, outfile: "dist/main.mjs" };
  const esbuild = (options: object) => stableText(esbuildResolveSettings({ ...base, ...options }));

  test("esbuild: alias, conditions, mainFields, extensions, tsconfig, tsconfigRaw, preserveSymlinks, packages, external each count", () => {
    const plain = esbuild({});
    const changed = [
      { alias: { helper: "./src/a.ts" } },
      { conditions: ["development"] },
      { mainFields: ["module", "main"] },
      { resolveExtensions: [".ts", ".js"] },
      { tsconfig: "tsconfig.build.json" },
      { tsconfigRaw: { compilerOptions: { paths: { "@/*": ["src/*"] } } } },
      { preserveSymlinks: true },
      { packages: "external" },
      { external: ["pkg"] },
      { nodePaths: ["lib"] },
      { platform: "neutral" },
    ].map(esbuild);
    for (const text of changed) expect(text).not.toBe(plain);
    expect(new Set(changed).size).toBe(changed.length);
    expect(esbuild({ alias: { helper: "./src/a.ts" } })).not.toBe(esbuild({ alias: { helper: "./src/b.ts" } }));
  });

  test("esbuild: options that change no resolution do not count", () => {
    const plain = esbuild({});
    for (const options of [
      { minify: true },
      { sourcemap: true },
      { outfile: "out/x.mjs" },
      { define: { DEBUG: "true" } },
      { logLevel: "silent" as const },
      { target: "es2020" },
    ]) {
      expect(esbuild(options)).toBe(plain);
    }
  });

  test("Vite: resolve options and each environment's, after plugins; not the rest of the config", () => {
    const config = (resolve: object, ssr: object = {}, rest: object = {}) =>
      stableText(
        viteResolveSettings({
          resolve: { alias: [{ find: "helper", replacement: "/p/src/a.ts" }], conditions: ["module"], ...resolve },
          environments: {
            ssr: { resolve: { conditions: ["node"], ...ssr } },
            client: { resolve: { conditions: ["browser"] } },
          },
          ...rest,
        }),
      );
    const plain = config({});
    expect(config({ alias: [{ find: "helper", replacement: "/p/src/b.ts" }] })).not.toBe(plain);
    expect(config({ alias: [{ find: /^helper$/, replacement: "/p/src/a.ts" }] })).not.toBe(plain);
    expect(config({ conditions: ["development"] })).not.toBe(plain);
    expect(config({ mainFields: ["main"] })).not.toBe(plain);
    expect(config({ tsconfigPaths: true })).not.toBe(plain);
    expect(config({ preserveSymlinks: true })).not.toBe(plain);
    expect(config({}, { conditions: ["node", "custom"] })).not.toBe(plain);
    expect(config({}, {}, { build: { outDir: "out", minify: true }, mode: "staging", define: { X: 1 } })).toBe(plain);
  });

  test("Rolldown's resolve and tsconfig options, webpack's and Rspack's resolve options", () => {
    expect(stableText(rollupResolveSettings("rolldown", { resolve: { alias: { h: "/a.ts" } } }))).not.toBe(
      stableText(rollupResolveSettings("rolldown", { resolve: { alias: { h: "/b.ts" } } })),
    );
    expect(stableText(rollupResolveSettings("rolldown", { tsconfig: "a.json" }))).not.toBe(
      stableText(rollupResolveSettings("rolldown", {})),
    );
    const webpack = (resolve: object) => stableText(webpackResolveSettings("webpack", { resolve }));
    expect(webpack({ alias: { h: "/a.ts" } })).not.toBe(webpack({ alias: { h: "/b.ts" } }));
    expect(webpack({ conditionNames: ["import"] })).not.toBe(webpack({ conditionNames: ["require"] }));
    expect(webpack({ mainFields: ["module"] })).not.toBe(webpack({}));
    expect(
      stableText(webpackResolveSettings("webpack", { resolve: {}, mode: "production" } as { resolve: object })),
    ).toBe(webpack({}));
    // A resolve plugin counts by its class and options, not the caches it fills.
    class PathsPlugin {
      cache = new Map<string, string>();
      constructor(readonly options: object) {}
    }
    const withPlugin = new PathsPlugin({ configFile: "tsconfig.json" });
    const before = webpack({ plugins: [withPlugin], cache: true, unsafeCache: {} });
    withPlugin.cache.set("x", "/a.ts");
    expect(webpack({ plugins: [withPlugin], cache: true, unsafeCache: { "/x": {} } })).toBe(before);
    expect(webpack({ plugins: [new PathsPlugin({ configFile: "tsconfig.app.json" })] })).not.toBe(before);
  });
});

describe("the files that decide resolution", () => {
  test("tsconfig paths and baseUrl count; its other options do not", () => {
    project = new TempProject().write(
      "tsconfig.json",
      JSON.stringify({ compilerOptions: { strict: true, paths: { h: ["./src/a.ts"] } } }),
    );
    const before = fingerprintOf();
    project.write(
      "tsconfig.json",
      JSON.stringify({ compilerOptions: { strict: false, target: "es2022", paths: { h: ["./src/a.ts"] } } }),
    );
    expect(fingerprintOf()).toBe(before);
    project.write(
      "tsconfig.json",
      JSON.stringify({ compilerOptions: { strict: false, target: "es2022", paths: { h: ["./src/b.ts"] } } }),
    );
    expect(fingerprintOf()).not.toBe(before);
    const paths = fingerprintOf();
    project.write(
      "tsconfig.json",
      JSON.stringify({
        compilerOptions: { baseUrl: "src", strict: false, target: "es2022", paths: { h: ["./src/b.ts"] } },
      }),
    );
    expect(fingerprintOf()).not.toBe(paths);
  });

  test("what a tsconfig extends and references counts, followed transitively; a jsconfig too", () => {
    project = new TempProject()
      .write(
        "tsconfig.json",
        `{\n  // the app's\n  "extends": "./config/base",\n  "references": [{ "path": "./tsconfig.app.json" }],\n}`,
      )
      .write("config/base.json", JSON.stringify({ extends: "./deeper.json" }))
      .write("config/deeper.json", JSON.stringify({ compilerOptions: { paths: { h: ["../src/a.ts"] } } }))
      .write("tsconfig.app.json", JSON.stringify({ compilerOptions: { paths: { g: ["./src/a.ts"] } } }))
      .write(
        "node_modules/@tsconfig/node20/tsconfig.json",
        JSON.stringify({ compilerOptions: { module: "nodenext" } }),
      );
    let last = fingerprintOf();
    const expectChange = (file: string, content: object) => {
      project.write(file, JSON.stringify(content));
      const now = fingerprintOf();
      expect(now, file).not.toBe(last);
      last = now;
    };
    expectChange("config/deeper.json", { compilerOptions: { paths: { h: ["../src/b.ts"] } } });
    expectChange("tsconfig.app.json", { compilerOptions: { paths: { g: ["./src/b.ts"] } } });
    expectChange("config/deeper.json", { extends: "@tsconfig/node20/tsconfig.json" });
    expectChange("node_modules/@tsconfig/node20/tsconfig.json", { compilerOptions: { module: "preserve" } });
    expectChange("jsconfig.json", { compilerOptions: { paths: { h: ["./src/c.js"] } } });
  });

  test("the order the scan lists tsconfig files in does not count", () => {
    project = new TempProject()
      .write("packages/a/tsconfig.json", JSON.stringify({ compilerOptions: { paths: { h: ["./a.ts"] } } }))
      .write("packages/b/tsconfig.json", JSON.stringify({ compilerOptions: { paths: { h: ["./b.ts"] } } }));
    const files = [project.path("packages/a/tsconfig.json"), project.path("packages/b/tsconfig.json")];
    expect(fingerprintOf({}, files)).toBe(fingerprintOf({}, [...files].reverse()));
  });

  test("a tsconfig the scan or the bundler's option names counts", () => {
    project = new TempProject().write(
      "packages/a/tsconfig.json",
      JSON.stringify({ compilerOptions: { paths: { h: ["./a.ts"] } } }),
    );
    const file = project.path("packages/a/tsconfig.json");
    const before = fingerprintOf({}, [file]);
    expect(fingerprintOf({}, [])).not.toBe(before);
    project.write("packages/a/tsconfig.json", JSON.stringify({ compilerOptions: { paths: { h: ["./b.ts"] } } }));
    expect(fingerprintOf({}, [file])).not.toBe(before);
  });

  test("the project's package.json counts by its imports and exports, not its scripts or version", () => {
    project = new TempProject().write(
      "package.json",
      JSON.stringify({ name: "app", version: "1.0.0", imports: { "#h": "./src/a.ts" } }),
    );
    const before = fingerprintOf();
    project.write(
      "package.json",
      JSON.stringify({
        name: "app",
        version: "1.0.1",
        scripts: { build: "vite build" },
        imports: { "#h": "./src/a.ts" },
      }),
    );
    expect(fingerprintOf()).toBe(before);
    project.write("package.json", JSON.stringify({ name: "app", version: "1.0.1", imports: { "#h": "./src/b.ts" } }));
    expect(fingerprintOf()).not.toBe(before);
    const imports = fingerprintOf();
    project.write(
      "package.json",
      JSON.stringify({
        name: "app",
        version: "1.0.1",
        imports: { "#h": "./src/b.ts" },
        exports: { "./h": "./src/h.ts" },
      }),
    );
    expect(fingerprintOf()).not.toBe(imports);
  });

  test.each(["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock"])(
    "the lockfile %s counts by its content, also from a folder above",
    (name) => {
      project = new TempProject().write(name, "lock 1\n").write("app/src/main.ts", "");
      const at = (root: string) => fingerprinter().make().compute(root, {}, []);
      const before = { top: at(project.root), nested: at(project.path("app")) };
      project.write(name, "lock 2\n");
      expect(at(project.root)).not.toBe(before.top);
      expect(at(project.path("app"))).not.toBe(before.nested);
    },
  );

  test("the settings count; the same settings and files give the same fingerprint", () => {
    project = new TempProject();
    expect(fingerprintOf({ alias: { h: "./a.ts" } })).toBe(fingerprintOf({ alias: { h: "./a.ts" } }));
    expect(fingerprintOf({ alias: { h: "./a.ts" } })).not.toBe(fingerprintOf({ alias: { h: "./b.ts" } }));
  });

  test("a file whose time and size did not change is not read again (its digest is remembered across processes)", () => {
    project = new TempProject().write(
      "tsconfig.json",
      JSON.stringify({ compilerOptions: { paths: { h: ["./src/a.ts"] } } }),
    );
    const { make, writes } = fingerprinter();
    utimesSync(project.path("tsconfig.json"), 1_000_000, 1_000_000);
    const before = make().compute(project.root, {}, []);
    expect(writes()).toBe(1);
    // Same size and time, other content: taken as unchanged without a read.
    project.write("tsconfig.json", JSON.stringify({ compilerOptions: { paths: { h: ["./src/b.ts"] } } }));
    utimesSync(project.path("tsconfig.json"), 1_000_000, 1_000_000);
    expect(make().compute(project.root, {}, [])).toBe(before);
    expect(writes()).toBe(1);
  });
});

describe("through esbuild", { timeout: 60_000 }, () => {
  const source = (tag: string) => `export function label(x: number) { return "${tag}" + x; }\n`;
  const cached = `import { label } from "helper";\nexport async function f(x: number) {\n  "use cache";\n  return label(x);\n}\n`;

  test("an alias pointed at another file gives a new hash, and pointing it back gives the first again", async () => {
    project = new TempProject()
      .write("src/a.ts", source("a"))
      .write("src/b.ts", source("b"))
      .write("src/main.ts", cached);
    const build = (file: string) =>
      project.esbuild("src/main.ts", { alias: { helper: `./src/${file}` } }).then(hashesIn);
    const a = await build("a.ts");
    expect(await build("a.ts")).toEqual(a);
    const b = await build("b.ts");
    expect(b[0]).not.toBe(a[0]);
    expect(await build("a.ts")).toEqual(a);
  });

  test("tsconfig paths pointed at another file give a new hash", async () => {
    project = new TempProject()
      .write("src/a.ts", source("a"))
      .write("src/b.ts", source("b"))
      .write("src/main.ts", cached);
    const build = (file: string) => {
      project.write("tsconfig.json", JSON.stringify({ compilerOptions: { paths: { helper: [`./src/${file}`] } } }));
      return project.esbuild().then(hashesIn);
    };
    const a = await build("a.ts");
    expect((await build("b.ts"))[0]).not.toBe(a[0]);
  });
});

describe("a rebuild with nothing changed", { timeout: 60_000 }, () => {
  const entries = () => readdirSync(project.path(BUILD_CACHE_DIR)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
  const files = () =>
    new TempProject()
      .write("tsconfig.json", JSON.stringify({ compilerOptions: { strict: true } }))
      .write("package-lock.json", "{}")
      .write("src/h.ts", `export function label(x: number) { return "h" + x; }\n`)
      .write(
        "src/main.ts",
        `import { label } from "./h";\nexport async function f(x: number) {\n  "use cache";\n  return label(x);\n}\n`,
      );

  test("esbuild: finds the entries of the first build (the fingerprint is the same each build)", async () => {
    project = files();
    const first = await project.esbuild("src/main.ts", { alias: { x: "./src/h.ts" }, conditions: ["custom"] });
    const written = entries();
    expect(written).toHaveLength(1);
    expect(await project.esbuild("src/main.ts", { alias: { x: "./src/h.ts" }, conditions: ["custom"] })).toBe(first);
    expect(entries()).toEqual(written);
  });

  test("Vite: finds the entries of the first build (its resolved config gives the same fingerprint each build)", async () => {
    project = files();
    const build = async () => {
      const result = await viteBuild({
        root: project.root,
        configFile: false,
        logLevel: "silent",
        resolve: { alias: { x: project.path("src/h.ts") }, tsconfigPaths: true },
        plugins: [cachephant.vite({ root: project.root })],
        build: { ssr: "src/main.ts", write: false },
      });
      const output = (Array.isArray(result) ? result[0] : result) as { output: Array<{ code?: string }> };
      return hashesIn(output.output.map((chunk) => chunk.code ?? "").join("\n"));
    };
    const first = await build();
    expect(first).toHaveLength(1);
    const written = entries();
    expect(written).toHaveLength(1);
    expect(await build()).toEqual(first);
    expect(entries()).toEqual(written);
  });
});

test.each(WEBPACK_LIKE)(
  "$bundler: a `resolve.alias` pointed at another file gives a new hash (imports resolve through its resolver)",
  async ({ compile, plugin }) => {
    project = new TempProject()
      .write("src/a.js", `export function label(x) { return "a" + x; }\n`)
      .write("src/b.js", `export function label(x) { return "b" + x; }\n`)
      .write(
        "src/main.js",
        `import { label } from "helper";\nexport async function f(x) {\n  "use cache";\n  return label(x);\n}\n`,
      );
    const build = async (file: string) => {
      const compiler = compile({
        mode: "none",
        devtool: false,
        target: "node",
        context: project.root,
        entry: "./src/main.js",
        output: { path: project.path("out"), filename: "main.js" },
        resolve: { alias: { helper: project.path(`src/${file}`) } },
        plugins: [plugin({ root: project.root })],
      }) as unknown as {
        run(
          callback: (error: Error | null, stats?: { hasErrors(): boolean; toString(options: string): string }) => void,
        ): void;
        close(callback: () => void): void;
      };
      await new Promise<void>((resolve, reject) =>
        compiler.run((error, stats) =>
          error || stats?.hasErrors() ? reject(error ?? new Error(stats!.toString("errors-only"))) : resolve(),
        ),
      );
      await new Promise<void>((resolve) => compiler.close(() => resolve()));
      return hashesIn(readFileSync(project.path("out/main.js"), "utf8"));
    };
    const a = await build("a.js");
    expect(a).toHaveLength(1);
    const written = readdirSync(project.path(BUILD_CACHE_DIR)).filter(
      (name) => name.endsWith(".json") && !name.includes(".extra."),
    );
    expect(await build("a.js")).toEqual(a);
    // The same settings from a new compiler: the first build's entries, none added.
    expect(
      readdirSync(project.path(BUILD_CACHE_DIR)).filter((name) => name.endsWith(".json") && !name.includes(".extra.")),
    ).toEqual(written);
    expect((await build("b.js"))[0]).not.toBe(a[0]);
    expect(await build("a.js")).toEqual(a);
  },
  60_000,
);

describe("the settings as plugins leave them", { timeout: 60_000 }, () => {
  const source = (tag: string) => `export function label(x: number) { return "${tag}" + x; }\n`;
  const cached = `import { label } from "helper";\nexport async function f(x: number) {\n  "use cache";\n  return label(x);\n}\n`;

  test("esbuild: an alias a plugin set up after this one adds", async () => {
    project = new TempProject()
      .write("src/a.ts", source("a"))
      .write("src/b.ts", source("b"))
      .write("src/main.ts", cached);
    const build = (file: string) =>
      project
        .esbuild("src/main.ts", {
          plugins: [
            cachephant.esbuild({ root: project.root }),
            { name: "alias-later", setup: (build) => void (build.initialOptions.alias = { helper: `./src/${file}` }) },
          ],
        })
        .then(hashesIn);
    const a = await build("a.ts");
    expect(a).toHaveLength(1);
    expect((await build("b.ts"))[0]).not.toBe(a[0]);
    expect(await build("a.ts")).toEqual(a);
  });

  test("Vite: an alias another plugin's `config` hook adds", async () => {
    project = new TempProject()
      .write("src/a.ts", source("a"))
      .write("src/b.ts", source("b"))
      .write("src/main.ts", cached);
    const build = async (file: string) => {
      const result = await viteBuild({
        root: project.root,
        configFile: false,
        logLevel: "silent",
        plugins: [
          cachephant.vite({ root: project.root }),
          { name: "alias", config: () => ({ resolve: { alias: { helper: project.path(`src/${file}`) } } }) },
        ],
        build: { ssr: "src/main.ts", write: false },
      });
      const output = (Array.isArray(result) ? result[0] : result) as { output: Array<{ code?: string }> };
      return hashesIn(output.output.map((chunk) => chunk.code ?? "").join("\n"));
    };
    const a = await build("a.ts");
    expect(a).toHaveLength(1);
    expect((await build("b.ts"))[0]).not.toBe(a[0]);
    expect(await build("a.ts")).toEqual(a);
  });
});
