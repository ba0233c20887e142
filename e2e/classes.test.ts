// Results holding instances of project classes: built by a real bundler and
// run in separate processes sharing one cache folder, a hit gives back
// instances of the same classes (methods working, shared references kept),
// and what the cache cannot restore is returned, not stored, with one warning.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, expect, test } from "vitest";
import { BUNDLERS, CLI_PATH, Project } from "./helpers/project.js";

const run = promisify(execFile);

let project: Project;
afterEach((context) => {
  if (context.task.result?.state === "pass") project?.remove();
});

const files = {
  "src/point.ts": `export class Point {
  constructor(readonly x: number, readonly y: number) {}
  norm() { return Math.hypot(this.x, this.y); }
}
export class ColorPoint extends Point {
  constructor(x: number, y: number, readonly color: string) { super(x, y); }
  describe() { return \`\${this.color} \${this.norm()}\`; }
}
export class Secret {
  #key = 7;
  get key() { return this.#key; }
}
`,
  "src/hidden.ts": `class Hidden {
  x = 1;
  twice() { return 2 * this.x; }
}
export function hidden() { return new Hidden(); }
export function inner() {
  class Inner { y = 2; }
  return new Inner();
}
`,
  "src/lib.ts": `import { countRun } from "./runs";
import { ColorPoint, Point, Secret } from "./point";
import { hidden, inner } from "./hidden";

class Segment {
  constructor(public from: Point, public to: Point) {}
  length() { return Math.hypot(this.to.x - this.from.x, this.to.y - this.from.y); }
}
function segment(from: Point, to: Point) { return new Segment(from, to); }

export async function shapes(n: number) {
  "use cache";
  countRun("shapes");
  const p = new Point(n, 2 * n);
  return { p, grid: [[new Point(3, 4)], [new Point(0, 1)]], colored: new ColorPoint(6, 8, "red"), segment: segment(p, new Point(4, 6)) };
}

export async function secret() {
  "use cache";
  countRun("secret");
  return new Secret();
}

export async function viaHelper() {
  "use cache";
  countRun("viaHelper");
  return hidden();
}

export async function innerClass() {
  "use cache";
  countRun("innerClass");
  return inner();
}
`,
  "src/scenario.ts": `import { innerClass, shapes, secret, viaHelper } from "./lib";
import { ColorPoint, Point } from "./point";
export async function scenario() {
  const a = await shapes(1);
  return {
    p: [a.p instanceof Point, a.p.norm()],
    grid: a.grid.map((row) => row.map((p) => p instanceof Point && p.norm())),
    colored: [a.colored instanceof ColorPoint, a.colored instanceof Point, a.colored.describe()],
    segment: [a.segment.constructor.name, a.segment.length(), a.segment.from === a.p],
    secret: (await secret()).key,
    hidden: await viaHelper().then((h) => [h.constructor.name, h.twice()]),
    inner: (await innerClass()).y,
  };
}
`,
};

const expected = {
  p: [true, Math.hypot(1, 2)],
  grid: [[5], [1]],
  colored: [true, true, "red 10"],
  segment: ["Segment", 5, true],
  secret: 7,
  hidden: ["Hidden", 2],
  inner: 2,
};

test.each(BUNDLERS)(
  "%s: a hit gives back instances of the project's classes, also one reached only through another module's helper; private fields and classes declared inside a function are not stored, one warning each",
  async (bundler) => {
    project = Project.create(bundler);
    for (const [file, content] of Object.entries(files)) project.write(file, content);
    await project.build();

    const first = await project.runAgainstUncached();
    expect(first).toMatchObject({ result: expected, runs: { shapes: 1, secret: 1, viaHelper: 1, innerClass: 1 } });
    const notStored = first.stderr.split("\n").filter((line) => line.includes("result not stored"));
    expect(notStored).toEqual([
      expect.stringMatching(
        /^cachephant: secret \(src\/lib\.ts:\d+\): result not stored, so calls compute again: result is an instance of Secret, whose class Secret has private members/,
      ),
      expect.stringMatching(
        /^cachephant: innerClass \(src\/lib\.ts:\d+\): result not stored, so calls compute again: result is an instance of Inner, a class the cache does not know/,
      ),
    ]);

    // Another process: shapes is a hit (its body does not run) and its instances are instances again;
    // so is viaHelper, whose class another module declares (that module registers it).
    const second = await project.runAgainstUncached();
    expect(second).toEqual({ result: expected, runs: { secret: 1, innerClass: 1 }, stderr: expect.any(String) });

    // Check mode computes the hit again and compares bytes: the instances written again are the stored ones.
    const checked = await project.run({ CACHEPHANT_CHECK: "1" });
    expect(checked).toMatchObject({ result: expected, runs: { shapes: 1, viaHelper: 1 } });
    expect(checked.stderr).not.toMatch(/stale|not deterministic/);

    // The CLI loads none of the program's classes: verify still finds the entries sound and keeps them.
    const verify = await run(process.execPath, [CLI_PATH, "verify", "--json"], {
      cwd: project.dir,
      env: { ...process.env, CACHEPHANT_DIR: project.cacheDir },
    });
    expect(JSON.parse(verify.stdout)).toMatchObject({ problems: [] });
    expect(await project.run()).toMatchObject({ result: expected, runs: { secret: 1, innerClass: 1 } });
  },
);

test("esbuild lowering private fields into helpers (WeakMaps): an instance is still refused, not stored without them", async () => {
  project = Project.create("esbuild");
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  project.write(
    "build.mjs",
    project
      .read("build.mjs")
      .replace(
        'target: "esnext",',
        'target: "esnext", supported: { "class-private-field": false, "class-private-accessor": false },',
      ),
  );
  await project.build();
  expect(project.read("dist/main.mjs")).toMatch(/__privateAdd/);
  const first = await project.runAgainstUncached();
  expect(first).toMatchObject({ result: expected, runs: { shapes: 1, secret: 1 } });
  expect(first.stderr).toMatch(/result is an instance of Secret, whose class Secret has private members/);
  expect(await project.runAgainstUncached()).toMatchObject({ result: expected, runs: { secret: 1, innerClass: 1 } });
});
