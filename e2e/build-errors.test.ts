// A misused directive fails the real build, naming file:line:column, with a
// code frame and the fix.
import { describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

const cases = [
  {
    name: "a function that is not async",
    lib: `export function sync(n: number) {\n  "use cache";\n  return n;\n}\n`,
    position: "1:8",
    says: /async/,
  },
  {
    name: "a generator",
    lib: `export async function* numbers() {\n  "use cache";\n  yield 1;\n}\n`,
    position: "1:8",
    says: /generator/,
  },
  {
    name: "a function that uses this",
    lib: `export const api = {\n  base: 1,\n  async get(n: number) {\n    "use cache";\n    return this.base + n;\n  },\n};\n`,
    position: "5:12",
    says: /this/,
  },
  {
    name: "a function that uses arguments",
    lib: `export async function all(n: number) {\n  "use cache";\n  return arguments.length + n;\n}\n`,
    position: "3:10",
    says: /arguments/,
  },
  {
    name: "an unknown directive option",
    lib: `export async function opt(n: number) {\n  "use cache: ttl=1h; forever=yes";\n  return n;\n}\n`,
    position: "2:3",
    says: /forever/,
  },
  {
    name: "a bad ttl",
    lib: `export async function opt(n: number) {\n  "use cache: ttl=soon";\n  return n;\n}\n`,
    position: "2:3",
    says: /ttl/,
  },
];

describe.each(BUNDLERS)("%s: build errors", (bundler) => {
  test.each(cases)("$name fails the build", async ({ lib, position, says }) => {
    const project = Project.create(bundler)
      .write("src/lib.ts", lib)
      .write(
        "src/scenario.ts",
        `import * as lib from "./lib";\nexport async function scenario() {\n  return Object.keys(lib);\n}\n`,
      );
    const failure = await project.buildFailure();
    const output = `${failure.stdout}\n${failure.stderr}`;
    expect(failure.code).not.toBe(0);
    expect(output).toContain(`src/lib.ts:${position}`);
    expect(output).toMatch(says);
    expect(output).toMatch(/^\s*>\s*\d+\s*\|/m); // the code frame's marked line
    expect(output).toMatch(/Fix:/);
    project.remove();
  });
});
