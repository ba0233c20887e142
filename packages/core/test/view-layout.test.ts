// Which cached functions may look past a typed array's view (its `buffer`,
// its `byteOffset`): the build marks them `viewBuffers: true`, and the
// runtime then keys their views by the whole buffer (key/view-layout.ts).
import { afterAll, describe, expect, test } from "vitest";
import { TempProject } from "./helpers/project.js";

const projects: TempProject[] = [];
afterAll(() => projects.forEach((project) => project.remove()));

/** The rewritten `src/entry.ts` of a project with `files`, and whether its one cached function is marked. */
async function marked(files: Record<string, string>): Promise<boolean> {
  const project = new TempProject(files);
  projects.push(project);
  const result = await project.transform("src/entry.ts");
  expect(result.functions).toHaveLength(1);
  return result.code.includes("viewBuffers: true");
}

const cached = (body: string, before = "") =>
  `${before}\nexport async function f(view: Uint8Array) {\n  "use cache";\n  ${body}\n}\n`;

describe("code that may read past a view", () => {
  test.each([
    ["reads view.buffer", cached("return new Uint8Array(view.buffer).length;")],
    ["reads view?.buffer", cached("return view?.buffer.byteLength;")],
    ["reads view.byteOffset", cached("return view.byteOffset;")],
    ['reads view["buffer"]', cached('return view["buffer"].byteLength;')],
    ["destructures buffer", cached("const { buffer } = view;\n  return buffer.byteLength;")],
    ["destructures byteOffset under another name", cached("const { byteOffset: at } = view;\n  return at;")],
    ['names "buffer" in Reflect.get', cached('return Reflect.get(view, "buffer").byteLength;')],
    [
      "calls a helper of its module that reads .buffer",
      cached("return whole(view);", "function whole(v: Uint8Array) {\n  return new Uint8Array(v.buffer);\n}"),
    ],
  ])("%s: marked", async (_, code) => {
    expect(await marked({ "src/entry.ts": code })).toBe(true);
  });

  test("calls a helper in another module that reads .buffer: marked", async () => {
    expect(
      await marked({
        "src/entry.ts": cached("return whole(view).length;", 'import { whole } from "./bytes";'),
        "src/bytes.ts": "export function whole(v: Uint8Array) {\n  return new Uint8Array(v.buffer, 0);\n}\n",
      }),
    ).toBe(true);
  });

  test.each([
    [
      "reads the view's bytes and length only",
      cached("let s = view.byteLength;\n  for (const b of view) s += b;\n  return s;"),
    ],
    [
      "requires the buffer module by name",
      cached(
        'const { Buffer: B } = require("buffer");\n  return B.from(view).length + (await import("buffer")).constants.MAX_LENGTH;',
      ),
    ],
    ["has a variable named buffer", cached("const buffer = [...view];\n  return buffer.length;")],
    ["builds an object with a buffer key", cached("return { buffer: view.length, byteOffset: 0 };")],
    [
      "reads buffer of something it never calls",
      cached("return view.length;", "const unused = (v: Uint8Array) => v.buffer;"),
    ],
  ])("%s: not marked", async (_, code) => {
    expect(await marked({ "src/entry.ts": code })).toBe(false);
  });
});
