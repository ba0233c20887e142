// Forcing a recompute: CACHEPHANT=refresh for a process, refresh(fn) for the
// calls made inside it. Built with a real bundler, each run a new process.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

// A remote service's data, which no key covers: a loopback server whose answer the test changes.
let version = "1";
const server = createServer((_request, response) => response.end(version));
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.each(BUNDLERS)("%s: forcing a recompute", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  test("CACHEPHANT=refresh computes every call and stores it; refresh(fn) recomputes only the calls inside it", async () => {
    project = Project.create(bundler);
    project.write(
      "src/lib.ts",
      `import { countRun } from "./runs";
export async function fetchRate(currency: string) {
  "use cache";
  countRun(currency);
  const version = await (await fetch(process.env.E2E_URL!)).text();
  return \`\${currency}:\${version}\`;
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
    const run = (v: string, env: NodeJS.ProcessEnv = {}) => {
      version = v;
      return project.run({ E2E_URL: url, ...env });
    };
    expect(await run("1")).toMatchObject({ result: ["EUR:1", "USD:1"], runs: { EUR: 1, USD: 1 } });
    expect(await run("2")).toMatchObject({ result: ["EUR:1", "USD:1"], runs: {} });
    expect(await run("2", { E2E_REFRESH_EUR: "1" })).toMatchObject({ result: ["EUR:2", "USD:1"], runs: { EUR: 1 } });
    expect(await run("3", { CACHEPHANT: "refresh" })).toMatchObject({
      result: ["EUR:3", "USD:3"],
      runs: { EUR: 1, USD: 1 },
    });
    expect(await run("4")).toMatchObject({ result: ["EUR:3", "USD:3"], runs: {} });
  });
});
