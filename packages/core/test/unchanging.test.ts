// Module data proven never to change after load (keyed once per process by
// the runtime): the proofs the build makes, and the near misses it must not.
import { afterAll, describe, expect, test } from "vitest";
import { TempProject } from "./helpers/project.js";

const projects: TempProject[] = [];
afterAll(() => projects.forEach((project) => project.remove()));

const IMPORTS = `import { readFileSync } from "node:fs";\nimport { readFile } from "node:fs/promises";\n`;
const CACHED = (body: string) => `\nexport async function f(x: number) {\n  "use cache";\n  ${body}\n}\n`;

/** The transform of a module `src/entry.ts` holding `code` (after fs imports): its function's scope and what it marks. */
async function scopeOf(code: string): Promise<{ scope: string[]; unchanging: string[]; meta: string }> {
  const project = new TempProject({ "src/entry.ts": IMPORTS + code });
  projects.push(project);
  const result = await project.transform("src/entry.ts");
  const fn = result.functions[0]!;
  return { scope: fn.scope, unchanging: fn.unchanging, meta: result.code };
}

const ROWS = `const rows = JSON.parse(readFileSync("rows.json", "utf8"));\n`;

describe("module data proven never to change after load", () => {
  test.each([
    [
      "parsed JSON read by index, length and comparison",
      ROWS + CACHED("return rows.length + rows[x].n > 2 ? 1 : 0;"),
      "rows",
    ],
    [
      "parsed JSON walked by a for…of loop with arithmetic",
      ROWS + CACHED("let sum = 0;\n  for (const row of rows) if (row.n >= x) sum += row.n;\n  return sum;"),
      "rows",
    ],
    [
      "callbacks of read methods that read their parameters, results followed",
      ROWS +
        CACHED(
          "return rows.filter((row) => row.n > x).map((row) => row.name).join(',') + rows.find((row) => row.n === x)?.name + rows.reduce((sum, row) => sum + row.n, 0) + rows.some((row) => row.tags.includes('a'));",
        ),
      "rows",
    ],
    [
      "a `const` alias and destructuring",
      ROWS + CACHED("const first = rows[0];\n  const { name } = first;\n  return `${name}:${first.n + x}`;"),
      "rows",
    ],
    [
      "consumed by known globals",
      ROWS +
        CACHED(
          "return String(rows[0].n) + JSON.stringify(rows) + Object.keys(rows[0]).length + Math.max(...rows.map((row) => row.n)) + Number(Array.isArray(rows)) + x;",
        ),
      "rows",
    ],
    [
      "read by another function of the module and at the top level",
      ROWS +
        `const count = rows.length;\nfunction names() { return rows.map((row) => row.name).join(","); }\n` +
        CACHED("return names() + count + rows[x].n;"),
      "rows",
    ],
    [
      "an object literal of fresh parts, read through Object.values",
      `const table = { a: JSON.parse("[1, 2]"), b: [3, "four", null], c: \`t\` };\n` +
        CACHED("return Object.values(table).map((v) => v.length).join() + table.b[x];"),
      "table",
    ],
    [
      "the length of a filtered list, returned",
      ROWS +
        `function count(x: number) { return rows.filter((row) => row.n > x).length; }\n` +
        CACHED("return count(x) + rows[0].n;"),
      "rows",
    ],
    [
      "a file's text, awaited",
      `const text = await readFile("a.txt", "utf8");\n` + CACHED("return text.length + x;"),
      "text",
    ],
    [
      "a frozen clone",
      `const copy = Object.freeze(structuredClone(JSON.parse("{}")));\n` + CACHED("return String(copy[x] ?? '');"),
      "copy",
    ],
  ])("%s", async (_, code, name) => {
    const { scope, unchanging, meta } = await scopeOf(code);
    expect(scope).toContain(name);
    expect(unchanging).toContain(name);
    expect(meta).toContain(`unchangingScope: [${scope.indexOf(name)}]`);
  });

  test("state to the state analysis (a `for…of` loop) is marked in the state too", async () => {
    const { unchanging, meta } = await scopeOf(
      ROWS + CACHED("let sum = 0;\n  for (const row of rows) sum += row.n;\n  return sum + x;"),
    );
    expect(meta).toContain('state: [["src/entry.ts", "rows"]]');
    expect(meta).toContain("unchangingState: [0]");
    expect(unchanging).toEqual(["rows", "src/entry.ts#rows"]);
  });
});

describe("near misses stay keyed on every call", () => {
  test.each([
    ["a callback that changes the elements", ROWS + `export function bump() { rows.forEach((r) => { r.n++; }); }\n`],
    ["a `const` alias whose property is set", ROWS + `export function set() { const first = rows[0]; first.n = 2; }\n`],
    ["exported", `export const rows = JSON.parse(readFileSync("rows.json", "utf8"));\n`],
    ["exported by a specifier", ROWS + `export { rows };\n`],
    ["a project helper's value", `const rows = getRows();\nfunction getRows() { return [{ n: 1 }]; }\n`],
    ["a `let`", `let rows = JSON.parse(readFileSync("rows.json", "utf8"));\n`],
    ["a file's buffer (its memory may be a pool's)", `const rows = readFileSync("rows.bin");\n`],
    [
      "a clone of another binding's data (it may share memory)",
      `const shared = new SharedArrayBuffer(8);\nconst rows = structuredClone([shared]);\n`,
    ],
    ["a JSON.parse with a reviver", `const rows = JSON.parse(readFileSync("r.json", "utf8"), (k, v) => v);\n`],
    ["a literal holding another binding", `const shared = [{ n: 1 }];\nconst rows = [shared[0]];\n`],
    ["a literal with a spread", `const shared = [{ n: 1 }];\nconst rows = [...shared];\n`],
    ["a top-level push after the cached function", ROWS + "%CACHED%rows.push({ n: 3 });\n"],
    ["a mutating method on an element", ROWS + `export function sortTags() { rows[0].tags.sort(); }\n`],
    ["deleted through a part", ROWS + `export function drop() { delete rows[0].n; }\n`],
    [
      "an element in a tagged template (the tag is given it, not its text)",
      ROWS + "export function tagged() { return tag`${rows[0]}`; }\nfunction tag(s: any, row: any) { row.n = 9; }\n",
    ],
    ["passed to a project function", ROWS + `export function use() { touch(rows); }\nfunction touch(r: any) {}\n`],
    [
      "an element passed to a package's function",
      ROWS + `import pad from "left-pad";\nexport function use() { pad(rows[0]); }\n`,
    ],
    ["returned from a function", ROWS + `export function all() { return rows; }\n`],
    [
      "its `length` returned (data may hold an object there)",
      ROWS + `export function size() { return rows.length; }\n`,
    ],
    ["an element returned by find, returned", ROWS + `export function one() { return rows.find((r) => r.n === 1); }\n`],
    ["stored in another object", ROWS + `const holder = { rows };\n`],
    ["stored in a Map", ROWS + `const byName = new Map();\nbyName.set("all", rows);\n`],
    ["spread into a new array", ROWS + `export function copy() { return [...rows].length; }\n`],
    ["yielded", ROWS + `export function* each() { yield rows[0]; }\n`],
    ["thrown", ROWS + `export function fail() { throw rows; }\n`],
    ["awaited", ROWS + `export async function wait() { await rows[0]; }\n`],
    ["assigned to another variable", ROWS + `let other: any;\nexport function keep() { other = rows[0]; }\n`],
    ["Object.assign onto a part", ROWS + `export function merge() { Object.assign(rows[0], { n: 2 }); }\n`],
    ["a method the proof does not know", ROWS + `export function fill() { rows[0].tags.unknownMethod(); }\n`],
    [
      "a callback that is a project function",
      ROWS + `export function each() { rows.forEach(visit); }\nfunction visit(r: any) {}\n`,
    ],
    ["a callback's element stored", ROWS + `const kept: any[] = [];\nrows.forEach((r) => kept.push(r));\n`],
    [
      "a callback reaching its element through `arguments`",
      ROWS + `rows.forEach(function () { arguments[0].n = 1; });\n`,
    ],
    [
      "an alias under `let` assigned again",
      ROWS + `export function f2() { let row = rows[0]; row = { n: 2 }; return row.n; }\n`,
    ],
    [
      "a shadowed global",
      ROWS + `function String(v: any) { v.n = 1; return ""; }\nexport function s() { return String(rows[0]); }\n`,
    ],
    ["a module with eval", ROWS + `export function e(code: string) { return eval(code); }\n`],
    [
      "a part of Object.entries changed in a callback",
      ROWS + `export function g() { Object.entries(rows[0]).forEach(([k, v]: any) => { v.n = 1; }); }\n`,
    ],
    [
      "a part of Object.entries changed through a loop's destructuring",
      ROWS + `export function g() { for (const [k, v] of Object.entries(rows)) (v as any).n = 1; }\n`,
    ],
    [
      "a method reached through .call",
      ROWS + `export function g() { rows.forEach.call(rows, (r: any) => { r.n++; }); }\n`,
    ],
    [
      "a JSON.stringify replacer that changes what it is given",
      ROWS + `export function g() { return JSON.stringify(rows, (k, v) => { if (v?.n) v.n++; return v; }); }\n`,
    ],
    [
      "a comparator that changes its arguments",
      ROWS + `export function g() { rows.toSorted((a: any, b: any) => (a.n = 0)); }\n`,
    ],
  ])("%s", async (_, code) => {
    const body = CACHED("return rows.length + x;");
    const full = code.includes("%CACHED%") ? code.replace("%CACHED%", body) : code + body;
    const { scope, unchanging, meta } = await scopeOf(full);
    expect(scope).toContain("rows");
    expect(unchanging).toEqual([]);
    expect(meta).not.toContain("unchangingScope");
  });
});
