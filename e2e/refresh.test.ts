// Forcing a recompute: CACHEPHANT=refresh for a process, refresh(fn) for the
// calls made inside it. Built with a real bundler, each run a new process.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

describe.each(BUNDLERS)("%s: forcing a recompute", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("CACHEPHANT=refresh computes every call and stores it; refresh(fn) recomputes only the calls inside it", async () => {
    project = Project.create(bundler);
    // `E2E_VERSION` stands for something the key does not cover (a remote service's data).
    project.write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function fetchRate(currency: string) {
  "use cache";
  countRun(currency);
  return \`\${currency}:\${process.env.E2E_VERSION}\`;
}
`,
    );
    project.write(
      "src/scenario.ts",
      `import { refresh } from "@cachephant/runtime";
import { fetchRate } from "./lib";
export async function scenario() {
  const eur = process.env.E2E_REFRESH_EUR ? await refresh(() => fetchRate("EUR")) : await fetchRate("EUR");
  return [eur, await fetchRate("USD")];
}
`,
    );
    await project.build();
    expect(await project.run({ E2E_VERSION: "1" })).toMatchObject({ result: ["EUR:1", "USD:1"], runs: { EUR: 1, USD: 1 } });
    expect(await project.run({ E2E_VERSION: "2" })).toMatchObject({ result: ["EUR:1", "USD:1"], runs: {} });
    expect(await project.run({ E2E_VERSION: "2", E2E_REFRESH_EUR: "1" })).toMatchObject({
      result: ["EUR:2", "USD:1"],
      runs: { EUR: 1 },
    });
    expect(await project.run({ E2E_VERSION: "3", CACHEPHANT: "refresh" })).toMatchObject({
      result: ["EUR:3", "USD:3"],
      runs: { EUR: 1, USD: 1 },
    });
    expect(await project.run({ E2E_VERSION: "4" })).toMatchObject({ result: ["EUR:3", "USD:3"], runs: {} });
  });
});
