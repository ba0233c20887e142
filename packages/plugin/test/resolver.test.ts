// The bundler's own resolver handed to the core: what each bundler's answer becomes.
import type { PluginBuild } from "esbuild";
import type { UnpluginBuildContext } from "unplugin";
import { describe, expect, test } from "vitest";
import { bundlerResolver, esbuildResolver, webpackResolver } from "../src/resolver.js";

type Callback = (error: Error | null, result?: string | false) => void;

function webpackCompiler(answer: (request: string, callback: Callback) => void) {
  const requests: string[] = [];
  return {
    requests,
    compiler: {
      resolverFactory: {
        get: () => ({
          resolve: (_context: object, _path: string, request: string, _resolveContext: object, callback: Callback) => (
            requests.push(request),
            answer(request, callback)
          ),
        }),
      },
    },
  };
}

describe("bundlerResolver", () => {
  test("Rollup-like: the id without its query; an external, missing or virtual module is null", async () => {
    const answers: Record<string, { id: string; external?: boolean } | null> = {
      "@/h": { id: "/p/src/h.ts?v=3" },
      ext: { id: "ext", external: true },
      missing: null,
      virtual: { id: "\0virtual:x" },
    };
    const seen: Array<[string, string | undefined, unknown]> = [];
    const context = {
      resolve: async (source: string, importer?: string, options?: unknown) => (
        seen.push([source, importer, options]),
        answers[source] ?? null
      ),
    } as unknown as UnpluginBuildContext;
    const resolve = bundlerResolver(context)!;
    expect(await resolve("@/h", "/p/src/a.ts")).toBe("/p/src/h.ts");
    expect(await resolve("ext", "/p/src/a.ts")).toBeNull();
    expect(await resolve("missing", "/p/src/a.ts")).toBeNull();
    expect(await resolve("virtual", "/p/src/a.ts")).toBeNull();
    // The plugin's own resolveId is skipped.
    expect(seen[0]).toEqual(["@/h", "/p/src/a.ts", { skipSelf: true }]);
  });

  test("no resolver where the bundler offers none", () => {
    expect(bundlerResolver({} as UnpluginBuildContext)).toBeUndefined();
  });
});

describe("esbuildResolver", () => {
  test("relative paths are left to the core; others take esbuild's answer unless it failed or is external", async () => {
    const calls: string[] = [];
    const results: Record<string, { path: string; errors: unknown[]; external: boolean }> = {
      "@lib/math": { path: "/p/lib/math.ts", errors: [], external: false },
      broken: { path: "", errors: [{ text: "not found" }], external: false },
      fs: { path: "fs", errors: [], external: true },
    };
    const build = {
      resolve: async (specifier: string) => (calls.push(specifier), results[specifier]!),
    } as unknown as PluginBuild;
    const resolve = esbuildResolver(build);
    expect(await resolve("./h", "/p/src/a.ts")).toBeNull();
    expect(await resolve("@lib/math", "/p/src/a.ts")).toBe("/p/lib/math.ts");
    expect(await resolve("broken", "/p/src/a.ts")).toBeNull();
    expect(await resolve("fs", "/p/src/a.ts")).toBeNull();
    expect(calls).toEqual(["@lib/math", "broken", "fs"]);
  });
});

describe("webpackResolver", () => {
  test("the resolved path without its query; relative paths, errors and false are null", async () => {
    const { compiler, requests } = webpackCompiler((request, callback) => {
      if (request === "@/h") callback(null, "/p/src/h.ts?inline");
      else if (request === "ignored") callback(null, false);
      else callback(new Error(`cannot resolve ${request}`));
    });
    const resolve = webpackResolver(compiler)!;
    expect(await resolve("@/h", "/p/src/a.ts")).toBe("/p/src/h.ts");
    expect(await resolve("ignored", "/p/src/a.ts")).toBeNull();
    expect(await resolve("missing", "/p/src/a.ts")).toBeNull();
    expect(await resolve("../up", "/p/src/a.ts")).toBeNull();
    expect(requests).toEqual(["@/h", "ignored", "missing"]);
  });

  test("one resolver per compiler; none for a compiler without a resolver factory or whose factory throws", () => {
    const { compiler } = webpackCompiler(() => {});
    expect(webpackResolver(compiler)).toBe(webpackResolver(compiler));
    expect(webpackResolver({})).toBeUndefined();
    expect(webpackResolver(undefined)).toBeUndefined();
    const throwing = {
      resolverFactory: {
        get: () => {
          throw new Error("no esm resolver");
        },
      },
    };
    expect(webpackResolver(throwing)).toBeUndefined();
  });
});
