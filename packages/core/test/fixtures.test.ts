/**
 * Fixture tests in the style of Babel's plugin fixtures:
 *
 * - `fixtures/<case>/input.<ext>` (+ optional `options.json`: transform
 *   options and `id`) → `output.<ext>`, a file snapshot of the rewritten code;
 * - `fixtures/error.<case>/input.<ext>` + `options.json` with the expected
 *   `code` → `error.txt`, a file snapshot of the message.
 *
 * The snapshots are the spec: read them when they change
 * (`vitest run --project core -u` rewrites them).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CachephantBuildError, transform, type TransformOptions } from "../src/index.js";
import { ErrorReporter } from "../src/diagnostics/reporter.js";
import { parseFile } from "../src/syntax/parse.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const ROOT = "/project";

interface FixtureOptions extends TransformOptions {
  /** The module id; default `/project/src/input.<ext>`. */
  id?: string;
  /** For error fixtures: the expected error code. */
  code?: string;
}

interface Fixture {
  name: string;
  dir: string;
  ext: string;
  input: string;
  id: string;
  options: TransformOptions;
  expectedCode: string | undefined;
}

function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const inputFile = readdirSync(dir).find((file) => file.startsWith("input."));
  if (!inputFile) throw new Error(`fixture ${name} has no input file`);
  const ext = inputFile.slice("input.".length);
  const optionsFile = join(dir, "options.json");
  const { id, code, ...options }: FixtureOptions = existsSync(optionsFile)
    ? JSON.parse(readFileSync(optionsFile, "utf8"))
    : {};
  return {
    name,
    dir,
    ext,
    input: readFileSync(join(dir, inputFile), "utf8"),
    id: id ?? `${ROOT}/src/input.${ext}`,
    options: { root: ROOT, ...options },
    expectedCode: code,
  };
}

// `projects/` holds the multi-file fixtures of projects.test.ts.
const fixtures = readdirSync(FIXTURES)
  .filter((name) => !name.startsWith(".") && name !== "projects")
  .sort()
  .map(loadFixture);

describe("transform fixtures", () => {
  for (const fixture of fixtures.filter((f) => !f.name.startsWith("error."))) {
    test(fixture.name, async () => {
      const result = await transform(fixture.input, fixture.id, fixture.options);
      expect(result).not.toBeNull();
      await expect(result!.code).toMatchFileSnapshot(join(fixture.dir, `output.${fixture.ext}`));
      // The output is valid code of the same language.
      expect(() => parseFile(result!.code, fixture.id, new ErrorReporter(result!.code, fixture.id))).not.toThrow();
      // Idempotent: every directive is gone, so a second pass has nothing to do.
      expect(await transform(result!.code, fixture.id, fixture.options)).toBeNull();
      // No line is added or removed.
      expect(result!.code.split("\n").length).toBe(fixture.input.split("\n").length);
    });
  }
});

describe("error fixtures", () => {
  for (const fixture of fixtures.filter((f) => f.name.startsWith("error."))) {
    test(fixture.name, async () => {
      let error: unknown;
      try {
        await transform(fixture.input, fixture.id, fixture.options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CachephantBuildError);
      const buildError = error as CachephantBuildError;
      expect(fixture.expectedCode, "options.json must give the expected `code`").toBeDefined();
      expect(buildError.code).toBe(fixture.expectedCode);
      expect(buildError.loc.file).toBe(fixture.id);
      expect(buildError.message).toContain(buildError.frame);
      expect(buildError.message.endsWith(`Fix: ${buildError.hint}`)).toBe(true);
      await expect(`${buildError.message}\n`).toMatchFileSnapshot(join(fixture.dir, "error.txt"));
    });
  }
});
