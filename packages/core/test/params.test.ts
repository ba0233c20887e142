import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { describe, expect, test } from "vitest";
import { resolveParams } from "../src/syntax/params.js";

function paramsOf(source: string, typescript = false) {
  const code = `(${source});`;
  const ast = parse(code, { plugins: typescript ? ["typescript"] : [] });
  const statement = ast.program.body[0] as t.ExpressionStatement;
  return resolveParams((statement.expression as t.Function).params, code);
}

describe("resolveParams", () => {
  test("the bindings after defaults and destructuring, in pattern order", () => {
    expect(paramsOf("function (a, { b, c = 2, d: { e } }, [f, , g] = [], ...rest) {}")).toEqual([
      { name: "a", path: "args[0]" },
      { name: "b", path: "args[1].b" },
      { name: "c", path: "args[1].c" },
      { name: "e", path: "args[1].d.e" },
      { name: "f", path: "args[2][0]" },
      { name: "g", path: "args[2][2]" },
      { name: "rest", path: "args[3...]" },
    ]);
  });

  test("object rest, quoted, numeric and computed keys, nested defaults, array rest", () => {
    expect(
      paramsOf(
        `function ({ id, ...others }, { "a-b": q, 0: zero, [key]: computed }, [x, ...tail], { deep: [{ y = 1 } = {}] }) {}`,
      ),
    ).toEqual([
      { name: "id", path: "args[0].id" },
      { name: "others", path: "args[0]..." },
      { name: "q", path: 'args[1]["a-b"]' },
      { name: "zero", path: "args[1][0]" },
      { name: "computed", path: "args[1][key]" },
      { name: "x", path: "args[2][0]" },
      { name: "tail", path: "args[2][1...]" },
      { name: "y", path: "args[3].deep[0].y" },
    ]);
  });

  test("leaves out TypeScript's `this` parameter", () => {
    expect(paramsOf("function (this: Window, a?: number, { b }: { b: string } = { b: '' }) {}", true)).toEqual([
      { name: "a", path: "args[0]" },
      { name: "b", path: "args[1].b" },
    ]);
  });

  test("sloppy-mode duplicate names: the last one wins, as in JavaScript", () => {
    expect(paramsOf("function (a, a, b) {}")).toEqual([
      { name: "a", path: "args[1]" },
      { name: "b", path: "args[2]" },
    ]);
  });
});
