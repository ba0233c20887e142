// A miss names what changed: the argument's path, the outside variable, the
// module state. Each run is a new process of a program built with a real
// bundler; `CACHEPHANT_DEBUG=1` prints the reason on stderr.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

describe.each(BUNDLERS)("%s: a miss names what changed", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("the argument path, the outside variable and the state that differ from the latest stored result", async () => {
    project = Project.create(bundler);
    project.write(
      "src/settings.ts",
      `let mode = "fast";
export function setMode(m: string) { mode = m; }
export function describeMode() { return mode; }
`,
    );
    project.write(
      "src/lib.ts",
      `import { countRun } from "./runs";
import { describeMode } from "./settings";
const units = { length: process.env.E2E_UNIT ?? "m" };
export async function report(city: string, { retries = 3 }: { retries?: number } = {}) {
  "use cache";
  countRun("report");
  return \`\${city}:\${retries}:\${units.length}:\${describeMode()}\`;
}
`,
    );
    project.write(
      "src/scenario.ts",
      `import { report } from "./lib";
import { setMode } from "./settings";
export async function scenario() {
  setMode(process.env.E2E_MODE ?? "fast");
  return report(process.env.E2E_CITY ?? "Oslo", { retries: Number(process.env.E2E_RETRIES ?? 3) });
}
`,
    );
    await project.build();
    const run = async (env: NodeJS.ProcessEnv) => {
      const output = await project.run({ CACHEPHANT_DEBUG: "1", ...env });
      const uncached = await project.run({ ...env, CACHEPHANT: "off" });
      expect(output.result).toEqual(uncached.result);
      return /cachephant (?:miss|hit) report \([^)]*\) [\d.]+ms(?:: (.*))?/.exec(output.stderr)?.[1];
    };
    expect(await run({})).toBe("nothing stored for this function");
    expect(await run({})).toBe("from the local store"); // a hit
    expect(await run({ E2E_RETRIES: "5" })).toBe("new arguments: args[1].retries");
    expect(await run({ E2E_RETRIES: "5", E2E_UNIT: "km" })).toBe("new values: units");
    expect(await run({ E2E_RETRIES: "5", E2E_UNIT: "km", E2E_MODE: "slow" })).toBe(
      "new values: mode (src/settings.ts)",
    );
    expect(await run({ E2E_CITY: "Rome", E2E_RETRIES: "5", E2E_UNIT: "km", E2E_MODE: "slow" })).toBe(
      "new arguments: args[0]",
    );
  });
});
