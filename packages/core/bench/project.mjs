/**
 * Generates the TypeScript project the benchmarks transform and bundle (the
 * core's `transform.bench.mjs`, the plugin's `builds.bench.mjs`): `modules`
 * files under `src/`, one in `cachedEvery` (1-2%) with a "use cache"
 * function, helpers reached through a deep import graph, and `src/main.ts`
 * re-exporting every module. The same project on every run (seeded).
 *
 * - "wide": each feature module imports one helper from ~8 modules (half
 *   leaf utilities, half feature modules up to 40 below it); a cached
 *   function reaches ~100 helper declarations.
 * - "deep": feature functions call every helper they import and import from
 *   modules further away, so each cached function reaches several hundred
 *   helper declarations across most of the project.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom as random } from "../../../scripts/seeded-random.mjs";

export const SHAPES = {
  wide: { imports: 8, window: 40, callsPerFeature: 3, cachedEvery: 60 },
  deep: { imports: 8, window: 400, callsPerFeature: 8, cachedEvery: 60 },
  /** The core's transform benchmark: 10 imports per feature module, 2% cached. */
  transform: { imports: 10, window: 40, callsPerFeature: 3, cachedEvery: 50 },
};

/**
 * Writes the project into `dir` (which must exist) and links
 * `node_modules/@cachephant/runtime` to `runtimeDir`, as a user project
 * depends on the runtime. Returns the module files and the cached ones.
 */
export function generateProject(dir, { modules = 2000, shape = "wide", runtimeDir } = {}) {
  const { imports, window, callsPerFeature, cachedEvery } = SHAPES[shape];
  const utils = Math.max(1, Math.floor(modules / 10));
  const next = random(2000);
  const pick = (n) => Math.floor(next() * n);
  mkdirSync(join(dir, "src"), { recursive: true });
  const files = [];
  const cached = [];
  for (let i = 0; i < modules; i++) {
    const lines = [];
    const imported = [];
    if (i < utils) {
      if (i > 0 && next() < 0.5) {
        const j = pick(i);
        lines.push(`import { util${j} } from "./m${j}";`);
        imported.push(`util${j}`);
      }
      lines.push(
        `/** Utility ${i}. */`,
        `export function util${i}(value: number): number {`,
        `  const scaled = value * ${i + 1};`,
        `  return ${imported.length > 0 ? `${imported[0]}(scaled) + ` : ""}Math.round(scaled / 3);`,
        `}`,
        `export const LIMIT${i} = ${i * 7};`,
      );
    } else {
      const sources = new Set();
      const features = i - utils;
      for (let attempt = 0; sources.size < imports && attempt < 100; attempt++) {
        const nearbyFeature = features > 0 && attempt % 2 === 1;
        sources.add(nearbyFeature ? i - 1 - pick(Math.min(window, features)) : pick(utils));
      }
      for (const j of sources) {
        const name = j < utils ? `util${j}` : `feature${j}_${pick(3)}`;
        lines.push(`import { ${name} } from "./m${j}";`);
        imported.push(name);
      }
      lines.push(`export const CONFIG${i} = { id: ${i}, label: "module ${i}" };`);
      for (let k = 0; k < 3; k++) {
        const calls = Array.from({ length: callsPerFeature }, (_, c) =>
          callsPerFeature >= imported.length
            ? `${imported[c % imported.length]}(input)`
            : `${imported[pick(imported.length)]}(input)`,
        );
        lines.push(
          `export function feature${i}_${k}(input: number): number {`,
          `  // Feature ${i}.${k}: combines helpers.`,
          `  return ${calls.join(" + ")} + CONFIG${i}.id;`,
          `}`,
        );
      }
      if (i % cachedEvery === 0) {
        const calls = Array.from({ length: 3 }, () => `${imported[pick(imported.length)]}(id)`);
        lines.push(
          `export async function load${i}(id: number) {`,
          `  "use cache";`,
          `  return [${calls.join(", ")}, feature${i}_0(id)];`,
          `}`,
        );
        cached.push(`src/m${i}.ts`);
      }
    }
    writeFileSync(join(dir, "src", `m${i}.ts`), `${lines.join("\n")}\n`);
    files.push(`src/m${i}.ts`);
  }
  writeFileSync(
    join(dir, "src", "main.ts"),
    files.map((file, i) => `export * as n${i} from "./${file.slice(4, -3)}";`).join("\n") + "\n",
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-project", private: true, type: "module" }));
  // As a real project has: build output is not source (the plugin's scan skips it).
  writeFileSync(join(dir, ".gitignore"), "node_modules/\nout-*/\n");
  if (runtimeDir) {
    mkdirSync(join(dir, "node_modules", "@cachephant"), { recursive: true });
    symlinkSync(runtimeDir, join(dir, "node_modules", "@cachephant", "runtime"), "dir");
  }
  return { files, cached };
}
