import { describe, expect, test, vi } from "vitest";
import { configure, type CachedFunctionMeta } from "../src/index.js";
import { codeChangeReason } from "../src/code-change.js";
import { forgetMarkers, MARKER_KEY_PREFIX } from "../src/markers.js";
import { storeAt } from "../src/store/index.js";
import { cached, debugLines, makeMeta, useRuntime } from "./helpers.js";

const runtime = useRuntime();

const deps = (...pairs: [string, string][]) => JSON.stringify(pairs);

const v1 = deps(
  ["own code", "o1"],
  ["helper tax (src/tax.ts)", "t1"],
  ["helper round (src/data.ts)", "r1"],
  ["package lodash", "4.17.20"],
);

/** The reason of the last debug line, after `new code` misses in this process and in a "later" one. */
async function missReasonAfter(before: Partial<CachedFunctionMeta>, after: Partial<CachedFunctionMeta>) {
  configure({ debug: true });
  const meta = makeMeta({ name: "loadReport", file: "src/data.ts", line: 3 });
  await cached({ ...meta, ...before }, () => 1)();
  forgetMarkers(); // a later process: the stored marker is all there is
  await cached({ ...meta, ...after }, () => 2)();
  return debugLines(runtime.stderr())
    .at(-1)!
    .replace(/^cachephant miss loadReport \(src\/data\.ts:3\) \d+\.\dms: /, "");
}

describe("which dependency changed, in debug lines", () => {
  test("the function's own code", async () => {
    const changed = deps(["own code", "o2"], ...(JSON.parse(v1) as [string, string][]).slice(1));
    expect(await missReasonAfter({ hash: "h1", deps: v1 }, { hash: "h2", deps: changed })).toBe("new code: own code");
  });

  test("a helper and a package, in the order of the current deps", async () => {
    const changed = deps(
      ["own code", "o1"],
      ["helper tax (src/tax.ts)", "t2"],
      ["helper round (src/data.ts)", "r1"],
      ["package lodash", "4.17.21"],
    );
    expect(await missReasonAfter({ hash: "h1", deps: v1 }, { hash: "h2", deps: changed })).toBe(
      "new code: changed helper tax (src/tax.ts), package lodash 4.17.20 → 4.17.21",
    );
  });

  test("added and removed dependencies", async () => {
    const changed = deps(
      ["own code", "o2"],
      ["helper tax (src/tax.ts)", "t1"],
      ["package lodash", "4.17.20"],
      ["helper format (src/format.ts)", "f1"],
      ["package date-fns", "3.6.0"],
    );
    expect(await missReasonAfter({ hash: "h1", deps: v1 }, { hash: "h2", deps: changed })).toBe(
      "new code: own code, added helper format (src/format.ts), added package date-fns 3.6.0, removed helper round (src/data.ts)",
    );
  });

  test("plain `new code` when either version has no deps", async () => {
    expect(await missReasonAfter({ hash: "h1" }, { hash: "h2", deps: v1 })).toBe("new code");
    expect(await missReasonAfter({ hash: "h3", deps: v1 }, { hash: "h4" })).toBe("new code");
  });

  test("within one process too (the marker written by this process)", async () => {
    configure({ debug: true });
    const meta = makeMeta({ hash: "h1", deps: v1 });
    await cached(meta, () => 1)();
    await cached({ ...meta, hash: "h2", deps: deps(["own code", "o9"]) }, () => 2)();
    expect(debugLines(runtime.stderr()).at(-1)).toMatch(
      /: new code: own code, removed helper tax \(src\/tax\.ts\), removed helper round \(src\/data\.ts\), removed package lodash 4\.17\.20$/,
    );
  });

  test("the marker is written only when the code hash changes", async () => {
    const store = storeAt(runtime.dir());
    const put = vi.spyOn(store, "put");
    const markerWrites = () => put.mock.calls.filter(([key]) => key.startsWith(MARKER_KEY_PREFIX)).length;
    const meta = makeMeta({ hash: "h1", deps: v1 });
    const fn = cached(meta, (x: number) => x);
    await fn(1);
    await fn(2);
    await fn(3);
    expect(markerWrites()).toBe(1);
    forgetMarkers();
    await fn(4); // a later process reads the marker and finds it current
    expect(markerWrites()).toBe(1);
    await cached({ ...meta, hash: "h2" }, (x: number) => x)(1);
    expect(markerWrites()).toBe(2);
  });
});

describe("codeChangeReason", () => {
  test("names at most six changes, then how many more", () => {
    const before = deps(...Array.from({ length: 9 }, (_, i): [string, string] => [`helper h${i} (src/h.ts)`, "a"]));
    const after = deps(...Array.from({ length: 9 }, (_, i): [string, string] => [`helper h${i} (src/h.ts)`, "b"]));
    expect(codeChangeReason(before, after)).toBe(
      "new code: changed helper h0 (src/h.ts), changed helper h1 (src/h.ts), changed helper h2 (src/h.ts), changed helper h3 (src/h.ts), changed helper h4 (src/h.ts), changed helper h5 (src/h.ts), and 3 more",
    );
  });

  test.each([
    ["missing", undefined],
    ["not JSON", "[oops"],
    ["not a list", '{"own code":"a"}'],
    ["not pairs", '[["own code"]]'],
    ["not strings", '[["own code", 1]]'],
  ])("falls back to plain `new code` when deps are %s", (_, bad) => {
    expect(codeChangeReason(bad, v1)).toBe("new code");
    expect(codeChangeReason(v1, bad)).toBe("new code");
  });

  test("plain `new code` when the lists are equal (the hash changed for another reason)", () => {
    expect(codeChangeReason(v1, v1)).toBe("new code");
  });
});
