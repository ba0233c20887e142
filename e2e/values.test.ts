// Values in keys: what the build cannot prove fixed is keyed by value at call
// time, and what the runtime cannot read runs uncached with a warning. Each
// row is built with a real bundler and run in separate processes sharing one
// cache folder; each run's result must equal what the same program returns
// with the cache off.
import { afterEach, describe, expect, test } from "vitest";
import { BUNDLERS, Project } from "./helpers/project.js";

describe.each(BUNDLERS)("%s: values in keys", (bundler) => {
  let project: Project;
  afterEach((context) => {
    if (context.task.result?.state === "pass") project?.remove();
  });

  const runBoth = (env: NodeJS.ProcessEnv = {}) => project.runAgainstUncached(env);

  function create(files: Record<string, string>, scenario: string) {
    project = Project.create(bundler);
    for (const [file, content] of Object.entries(files)) project.write(file, content);
    project.write("src/scenario.ts", `${scenario}\n`);
  }

  const loader = `import { countRun } from "./runs";
export function makeLoader(opts: { transform: (x: number) => number }) {
  return async function load(x: number) {
    "use cache";
    countRun("load");
    return opts.transform(x);
  };
}
`;

  test("a factory of cached functions: each factory's function keys apart by the function it was given", async () => {
    create(
      { "src/loader.ts": loader },
      `import { makeLoader } from "./loader";
export async function scenario() {
  const double = makeLoader({ transform: (x) => x * 2 });
  const triple = makeLoader({ transform: (x) => x * 3 });
  return [await double(1), await triple(1), await double(2)];
}`,
    );
    await project.build();
    expect(await runBoth()).toMatchObject({ result: [2, 3, 4], runs: { load: 3 } });
    expect(await runBoth()).toMatchObject({ result: [2, 3, 4], runs: {} });
  });

  test("a factory given a function that closes over a variable runs uncached with one warning naming it", async () => {
    create(
      { "src/loader.ts": loader },
      `import { makeLoader } from "./loader";
export async function scenario() {
  const k = Number(process.env.FACTOR ?? 2);
  const scaled = makeLoader({ transform: (x) => x * k });
  return [await scaled(1), await scaled(1)];
}`,
    );
    await project.build();
    const two = await runBoth({ FACTOR: "2" });
    expect(two).toMatchObject({ result: [2, 2], runs: { load: 2 } });
    expect(two.stderr).toMatch(
      /cachephant: load \(src\/loader\.ts:\d+\) runs uncached: scope\.opts\.transform is a function that closes over k; the key cannot see its value/,
    );
    expect(two.stderr.match(/runs uncached/g)).toHaveLength(1);
    expect(await runBoth({ FACTOR: "3" })).toMatchObject({ result: [3, 3], runs: { load: 2 } });
  });

  test("a class instance holding settings, changed by a setter: counts by its data", async () => {
    create(
      {
        "src/settings.ts": `class Settings { unit = "m"; }
const settings = new Settings();
export function setUnit(u: string) { settings.unit = u; }
export function label(x: number) { return \`\${x} \${settings.unit}\`; }
`,
        "src/lib.ts": `import { countRun } from "./runs";
import { label } from "./settings";
export async function measure(x: number) {
  "use cache";
  countRun("measure");
  return label(x);
}
`,
      },
      `import { setUnit } from "./settings";
import { measure } from "./lib";
export async function scenario() {
  setUnit(process.env.UNIT ?? "m");
  return measure(1);
}`,
    );
    await project.build();
    expect(await runBoth({ UNIT: "m" })).toMatchObject({ result: "1 m", runs: { measure: 1 } });
    expect(await runBoth({ UNIT: "km" })).toMatchObject({ result: "1 km", runs: { measure: 1 } });
    expect(await runBoth({ UNIT: "m" })).toMatchObject({ result: "1 m", runs: {} });
  });

  test("an argument's class method edited between builds computes again", async () => {
    const db = (op: string) => `export class Db {
  rows: number[];
  constructor(rows: number[]) { this.rows = rows; }
  query(min: number) { return this.rows.filter((row) => row ${op} min); }
}
`;
    create(
      {
        "src/db.ts": db(">="),
        // Only the type is imported: the class's code is not in countWith's hash.
        "src/lib.ts": `import { countRun } from "./runs";
import type { Db } from "./db";
export async function countWith(db: Db) {
  "use cache";
  countRun("countWith");
  return db.query(2).length;
}
`,
      },
      `import { Db } from "./db";
import { countWith } from "./lib";
export async function scenario() {
  return countWith(new Db([1, 2, 3]));
}`,
    );
    await project.build();
    expect(await runBoth()).toMatchObject({ result: 2, runs: { countWith: 1 } });
    expect(await runBoth()).toMatchObject({ result: 2, runs: {} });
    project.write("src/db.ts", db(">"));
    await project.build();
    expect(await runBoth()).toMatchObject({ result: 1, runs: { countWith: 1 } });
  });

  /** Fake packages under the project's node_modules: a pg-like client and a config object. */
  function writePackages() {
    project.write(
      "node_modules/fake-pg/package.json",
      JSON.stringify({ name: "fake-pg", version: "1.0.0", type: "module", main: "index.js" }),
    );
    project.write(
      "node_modules/fake-pg/index.js",
      `import { EventEmitter } from "node:events";
export class Client extends EventEmitter {
  constructor(url) {
    super();
    this.url = url;
    this.connectedAt = process.hrtime.bigint();
    this.queries = 0;
  }
  query(sql) {
    this.queries++;
    return sql.length;
  }
}
`,
    );
    // An API client as SDK generators write them: private fields, nested resource objects, a fetch function.
    project.write(
      "node_modules/fake-sdk/package.json",
      JSON.stringify({ name: "fake-sdk", version: "1.0.0", type: "module", main: "index.js" }),
    );
    project.write(
      "node_modules/fake-sdk/index.js",
      `export class Client {
  #apiKey;
  #requests = 0;
  constructor({ apiKey, fetch = globalThis.fetch }) {
    this.#apiKey = apiKey;
    this.fetch = fetch;
    this.baseURL = "https://api.example.test";
    this.chat = { completions: { create: async ({ prompt }) => { this.#requests++; return prompt.toUpperCase(); } } };
  }
}
`,
    );
    project.write(
      "node_modules/fake-config/package.json",
      JSON.stringify({ name: "fake-config", version: "1.0.0", type: "module", main: "index.js" }),
    );
    project.write(
      "node_modules/fake-config/index.js",
      `export class Config {
  constructor() {
    this.unit = "m";
  }
  set(key, value) {
    this[key] = value;
  }
}
export function createConfig() {
  return new Config();
}
`,
    );
  }

  test("a client (an event emitter from a package) held in a module variable stays cached", async () => {
    create(
      {
        "src/lib.ts": `import { Client } from "fake-pg";
import { countRun } from "./runs";
const client = new Client("postgres://localhost/app");
export async function rowCount(sql: string) {
  "use cache";
  countRun("rowCount");
  return client.query(sql);
}
`,
      },
      `import { rowCount } from "./lib";
export async function scenario() {
  return [await rowCount("select 1"), await rowCount("select 1")];
}`,
    );
    writePackages();
    await project.build();
    expect(await runBoth()).toMatchObject({ result: [8, 8], runs: { rowCount: 1 } });
    const second = await runBoth();
    expect(second).toMatchObject({ result: [8, 8], runs: {} });
    expect(second.stderr).not.toMatch(/cachephant/);
  });

  test("an API client with private fields (an SDK's) held in a module variable stays cached", async () => {
    create(
      {
        "src/lib.ts": `import { Client } from "fake-sdk";
import { countRun } from "./runs";
const sdk = new Client({ apiKey: "sk-test" });
export async function complete(prompt: string) {
  "use cache";
  countRun("complete");
  return sdk.chat.completions.create({ prompt });
}
`,
      },
      `import { complete } from "./lib";
export async function scenario() {
  return [await complete("hello"), await complete("hello")];
}`,
    );
    writePackages();
    await project.build();
    expect(await runBoth()).toMatchObject({ result: ["HELLO", "HELLO"], runs: { complete: 1 } });
    const second = await runBoth();
    expect(second).toMatchObject({ result: ["HELLO", "HELLO"], runs: {} });
    expect(second.stderr).not.toMatch(/cachephant/);
  });

  test("a package's config object mutated at run time computes again", async () => {
    create(
      {
        "src/lib.ts": `import { createConfig } from "fake-config";
import { countRun } from "./runs";
const config = createConfig();
export function setUnit(unit: string) { config.set("unit", unit); }
export async function describeLength(x: number) {
  "use cache";
  countRun("describeLength");
  return \`\${x} \${config.unit}\`;
}
`,
      },
      `import { describeLength, setUnit } from "./lib";
export async function scenario() {
  setUnit(process.env.UNIT ?? "m");
  return describeLength(1);
}`,
    );
    writePackages();
    await project.build();
    expect(await runBoth({ UNIT: "m" })).toMatchObject({ result: "1 m", runs: { describeLength: 1 } });
    expect(await runBoth({ UNIT: "km" })).toMatchObject({ result: "1 km", runs: { describeLength: 1 } });
    expect(await runBoth({ UNIT: "m" })).toMatchObject({ result: "1 m", runs: {} });
  });
  test("a Map argument's own property and a RegExp argument's lastIndex key beside their contents", async () => {
    create(
      {
        "src/lookup.ts": `import { countRun } from "./runs";
export async function share(counts: Map<string, number> & { total?: number }, key: string) {
  "use cache";
  countRun("share");
  return (counts.get(key) ?? 0) / (counts.total ?? 1);
}
export async function nextMatch(pattern: RegExp, text: string) {
  "use cache";
  countRun("nextMatch");
  return pattern.exec(text)?.index ?? -1;
}
`,
      },
      `import { nextMatch, share } from "./lookup";
export async function scenario() {
  const counts = (total: number) => Object.assign(new Map([["a", 2]]), { total });
  const from = (lastIndex: number) => Object.assign(/a/g, { lastIndex });
  return [await share(counts(4), "a"), await share(counts(8), "a"), await nextMatch(from(0), "aXa"), await nextMatch(from(1), "aXa")];
}`,
    );
    await project.build();
    expect(await runBoth()).toMatchObject({ result: [0.5, 0.25, 0, 2], runs: { share: 2, nextMatch: 2 } });
    expect(await runBoth()).toMatchObject({ result: [0.5, 0.25, 0, 2], runs: {} });
  });

  test("results without a prototype, or frozen, come back so from the cache; arguments without one key apart", async () => {
    create(
      {
        "src/words.ts": `import { countRun } from "./runs";
export async function countWords(text: string) {
  "use cache";
  countRun("countWords");
  const counts = Object.create(null) as Record<string, number>;
  for (const word of text.split(" ")) counts[word] = (counts[word] ?? 0) + 1;
  return Object.freeze({ counts });
}
export async function describeDict(dict: Record<string, number>) {
  "use cache";
  countRun("describeDict");
  return \`\${"toString" in dict} \${Object.keys(dict).join()}\`;
}
`,
      },
      `import { countWords, describeDict } from "./words";
export async function scenario() {
  const result = await countWords("a b a");
  const bare = Object.assign(Object.create(null), { a: 1 });
  return {
    counts: { ...result.counts },
    noPrototype: Object.getPrototypeOf(result.counts) === null,
    constructorCount: result.counts["constructor"] ?? 0,
    frozen: Object.isFrozen(result),
    described: [await describeDict({ a: 1 }), await describeDict(bare)],
  };
}`,
    );
    await project.build();
    const expected = {
      counts: { a: 2, b: 1 },
      noPrototype: true,
      constructorCount: 0,
      frozen: true,
      described: ["true a", "false a"],
    };
    expect(await runBoth()).toMatchObject({ result: expected, runs: { countWords: 1, describeDict: 2 } });
    expect(await runBoth()).toMatchObject({ result: expected, runs: {} });
  });
});

describe("cached() without a build step", () => {
  test("a function reading a name from outside warns once at wrap time, naming it and the fix", async () => {
    const project = Project.create("esbuild");
    project.write(
      "cell.mjs",
      `import { cached } from "@cachephant/runtime";
const rate = Number(process.env.RATE ?? 0.2);
const round = (x) => Math.round(x * 100) / 100;
globalThis.computed = 0;
const taxOf = cached(async (amount) => { globalThis.computed++; return round(amount * rate); }, { name: "taxOf", uses: [round] });
const first = await taxOf(100);
console.log(JSON.stringify({ result: first, runs: { taxOf: globalThis.computed } }));
`,
    );
    const run = await project.run({}, "cell.mjs");
    expect(run).toMatchObject({ result: 20, runs: { taxOf: 1 } });
    const warnings = run.stderr.split("\n").filter((line) => line.startsWith("cachephant:"));
    expect(warnings).toEqual([
      "cachephant: taxOf (cell.mjs:5) reads `rate` from outside its body, which its key does not cover (a new value would return an old result): pass it as an argument or add it to uses",
    ]);
    project.remove();
  });
});
