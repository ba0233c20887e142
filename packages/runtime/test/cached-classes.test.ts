import { describe, expect, test } from "vitest";
import { cached, CachedFunctionError } from "../src/index.js";
import { useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

// A cell's code, from source text: classes and functions the way a notebook defines them.
function define<F>(source: string): F {
  return (0, eval)(`(${source})`) as F;
}
const globals = globalThis as unknown as { runs: number; Point: unknown; ColorPoint: unknown };

type PointLike = { x: number; y: number; norm(): number };
const pointSource = `class Point {
  constructor(x, y) { this.x = x; this.y = y; }
  norm() { return Math.hypot(this.x, this.y); }
}`;

function definePoints(source = pointSource): { Point: new (x: number, y: number) => PointLike; ColorPoint: unknown } {
  const Point = define<new (x: number, y: number) => PointLike>(source);
  globals.Point = Point;
  const ColorPoint = define(
    `class ColorPoint extends Point { constructor(x, y, color) { super(x, y); this.color = color; } }`,
  );
  globals.ColorPoint = ColorPoint;
  return { Point, ColorPoint };
}

const shapesSource = `async function shapes(n) {
  runs += 1;
  return { one: new Point(n, 2 * n), grid: [[new Point(0, n)], [new ColorPoint(3, 4, "red")]] };
}`;
type Shapes = { one: PointLike; grid: [[PointLike], [PointLike & { color: string }]] };

describe("cached(fn, { classes })", () => {
  test("a hit gives back instances of the listed classes, nested and subclassed, with their methods", async () => {
    globals.runs = 0;
    const { Point, ColorPoint } = definePoints();
    const shapes = cached(define<(n: number) => Promise<Shapes>>(shapesSource), {
      classes: [Point, ColorPoint as never],
    });
    const fresh = await shapes(1);
    const hit = await shapes(1);
    expect(globals.runs).toBe(1);
    expect(hit).not.toBe(fresh);
    expect(hit.one).toBeInstanceOf(Point);
    expect(hit.one.norm()).toBeCloseTo(Math.sqrt(5));
    expect(hit.grid[0][0]).toBeInstanceOf(Point);
    expect(hit.grid[1][0]).toBeInstanceOf(ColorPoint as never);
    expect([hit.grid[1][0].color, hit.grid[1][0].norm()]).toEqual(["red", 5]);
    expect(warnings(runtime.stderr()).filter((line) => line.includes("not stored"))).toEqual([]);
  });

  test("a cell that defines the same classes again reuses the results, as instances of the new classes", async () => {
    globals.runs = 0;
    const first = definePoints();
    await cached(define<(n: number) => Promise<Shapes>>(shapesSource), {
      classes: [first.Point, first.ColorPoint as never],
    })(2);
    const again = definePoints();
    const hit = await cached(define<(n: number) => Promise<Shapes>>(shapesSource), {
      classes: [again.Point, again.ColorPoint as never],
    })(2);
    expect(globals.runs).toBe(1);
    expect(hit.one).toBeInstanceOf(again.Point);
    expect(hit.one).not.toBeInstanceOf(first.Point);
  });

  test("an edited class computes again", async () => {
    globals.runs = 0;
    const before = definePoints();
    await cached(define<(n: number) => Promise<Shapes>>(shapesSource), {
      classes: [before.Point, before.ColorPoint as never],
    })(3);
    const after = definePoints(
      pointSource.replace("Math.hypot(this.x, this.y)", "Math.abs(this.x) + Math.abs(this.y)"),
    );
    const result = await cached(define<(n: number) => Promise<Shapes>>(shapesSource), {
      classes: [after.Point, after.ColorPoint as never],
    })(3);
    expect(globals.runs).toBe(2);
    expect(result.one.norm()).toBe(9);
  });

  test("an instance of a class not listed is returned but not stored, with one warning saying how to list it", async () => {
    globals.runs = 0;
    definePoints();
    const shapes = cached(define<(n: number) => Promise<Shapes>>(shapesSource));
    expect((await shapes(4)).one.norm()).toBeCloseTo(Math.hypot(4, 8));
    await shapes(4);
    expect(globals.runs).toBe(2);
    const unstorable = warnings(runtime.stderr()).filter((line) => line.includes("not stored"));
    expect(unstorable).toEqual([
      expect.stringMatching(
        /shapes .* result not stored, so calls compute again: result\.one is an instance of Point, a class the cache does not know.*cached\(fn, \{ classes: \[Point\] \}\)/,
      ),
    ]);
  });

  test("classes that are not classes are an error at wrap time naming the option and the fix", () => {
    const { Point } = definePoints();
    const failure = (classes: unknown) => {
      try {
        cached(async () => 1, { classes: classes as never });
      } catch (error) {
        expect(error).toBeInstanceOf(CachedFunctionError);
        return error as CachedFunctionError;
      }
      throw new Error("expected an error");
    };
    expect(failure([new Point(1, 2)])).toMatchObject({
      code: "CACHEPHANT_BAD_OPTION",
      message: expect.stringMatching(
        /^cached\(\): `classes\[0\]` is an object, not a class\nFix: list the classes themselves/,
      ),
    });
    expect(failure([Point, "Line"]).message).toMatch(/`classes\[1\]` is "Line", not a class/);
    expect(failure([async () => 1]).message).toMatch(/`classes\[0\]` is a function, not a class/);
    expect(failure(Point)).toMatchObject({
      code: "CACHEPHANT_BAD_OPTION",
      message: expect.stringMatching(/`classes` is a function/),
    });
  });
});
