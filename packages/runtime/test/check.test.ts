import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { checkHit, coveredBy, describeCovered, sampled } from "../src/check.js";
import { encodeResult } from "../src/codec.js";
import { configure, registerState } from "../src/index.js";
import { cached, debugLines, deferred, makeMeta, tempDir, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

/** Turns check mode on (or sets its share) for the next calls; returns the report file. */
function checkMode(value = "1"): string {
  const report = join(tempDir(), "findings", "check.jsonl");
  process.env.CACHEPHANT_CHECK = value;
  process.env.CACHEPHANT_CHECK_REPORT = report;
  configure({});
  return report;
}

function checkOff(): void {
  delete process.env.CACHEPHANT_CHECK;
  configure({});
}

function findings(report: string): Array<Record<string, unknown>> {
  if (!existsSync(report)) return [];
  return readFileSync(report, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("sampling", () => {
  test("1 checks every hit, 0 none, a fraction that share (Math.random)", () => {
    expect(sampled(1)).toBe(true);
    expect(sampled(0)).toBe(false);
    const random = vi.spyOn(Math, "random");
    random.mockReturnValue(0.7);
    expect(sampled(0.5)).toBe(false);
    random.mockReturnValue(0.3);
    expect(sampled(0.5)).toBe(true);
  });

  test("CACHEPHANT_CHECK=0.5 checks the hits whose draw falls under it", async () => {
    checkMode("0.5");
    const fn = cached(makeMeta(), () => 1);
    await fn();
    const random = vi.spyOn(Math, "random").mockReturnValue(0.9);
    await fn();
    expect(fn.runs).toBe(1);
    random.mockReturnValue(0.1);
    await fn();
    expect(fn.runs).toBe(2);
  });
});

describe("check mode on a hit", () => {
  test("an honest function: the hit computes too, returns the stored copy, and finds nothing", async () => {
    const report = checkMode();
    const fn = cached(makeMeta(), (x: number) => ({ doubled: x * 2, at: new Map([["k", [x]]]) }));
    const first = await fn(2);
    const second = await fn(2);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(fn.runs).toBe(2);
    expect(warnings(runtime.stderr())).toEqual([]);
    expect(existsSync(report)).toBe(false);
  });

  test("a stale entry: one warning with what the key covered, one report line, the fresh result returned and stored", async () => {
    const report = checkMode();
    registerState("src/mode.ts", { mode: () => "a" });
    const meta = makeMeta({
      name: "price",
      file: "src/shop.ts",
      line: 7,
      hash: "0123456789abcdef0123",
      paths: ["args[0]", "args[1]"],
      ignore: [1],
      scope: ["rate"],
      state: [["src/mode.ts", "mode"]],
      deps: JSON.stringify([
        ["own code", "a"],
        ["helper round (src/round.ts)", "b"],
        ["package node:http", "c"],
      ]),
    });
    let outside = "old";
    const fn = cached(
      meta,
      (id: string, _logger: unknown) => ({ id, price: outside }),
      () => [1],
    );
    expect(await fn("x", null)).toEqual({ id: "x", price: "old" });
    outside = "new";
    expect(await fn("x", null)).toEqual({ id: "x", price: "new" });
    // The check computed twice: once to compare, once to tell stale from nondeterministic.
    expect(fn.runs).toBe(3);
    expect(warnings(runtime.stderr())).toEqual([
      "cachephant: stale: price (src/shop.ts:7): the stored result differs from a fresh one (the fresh one is returned and stored). " +
        "Its key covered code 0123456789ab, arguments args[0], not args[1] (ignored), outside variables rate, state src/mode.ts:mode, " +
        "reaching own code, helper round (src/round.ts), package node:http; something else it reads changed " +
        "(the network, the clock, a global, a file read at run time): pass it as an argument, or give the function a ttl=.",
    ]);
    const lines = findings(report);
    expect(lines).toEqual([
      {
        kind: "stale",
        function: "price",
        file: "src/shop.ts",
        line: 7,
        hash: "0123456789abcdef0123",
        key: expect.stringMatching(/^cachephant:v2:0123456789abcdef0123:/),
        covered: {
          code: "0123456789abcdef0123",
          arguments: ["args[0]"],
          ignored: ["args[1]"],
          scope: ["rate"],
          state: ["src/mode.ts:mode"],
          reaches: ["own code", "helper round (src/round.ts)", "package node:http"],
        },
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        pid: process.pid,
      },
    ]);
    // Stored: without check mode the next call is a hit on the fresh result.
    checkOff();
    expect(await fn("x", null)).toEqual({ id: "x", price: "new" });
    expect(fn.runs).toBe(3);
  });

  test("a function that differs from itself is nondeterministic: reported, the first fresh result returned, the entry kept", async () => {
    const report = checkMode();
    let n = 0;
    const fn = cached(makeMeta({ name: "roll" }), () => (n += 1));
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(2);
    expect(fn.runs).toBe(3);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(/^cachephant: nondeterministic: roll \(src\/data\.ts:3\): two fresh computations/),
    ]);
    expect(findings(report)).toEqual([expect.objectContaining({ kind: "nondeterministic", function: "roll" })]);
    checkOff();
    expect(await fn()).toBe(1);
  });

  test("a second computation that throws makes it nondeterministic too", async () => {
    const report = checkMode();
    let n = 0;
    const fn = cached(makeMeta(), () => {
      n += 1;
      if (n === 3) throw new Error("flaky");
      return n;
    });
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(2);
    expect(findings(report).map((finding) => finding.kind)).toEqual(["nondeterministic"]);
  });

  test("every finding is a report line; the warning is said once per function and kind", async () => {
    const report = checkMode();
    let outside = 1;
    const fn = cached(makeMeta({ paths: ["args[0]"] }), (x: number) => x + outside);
    await fn(1);
    await fn(2);
    outside = 10;
    await fn(1);
    await fn(2);
    expect(findings(report).map((finding) => finding.kind)).toEqual(["stale", "stale"]);
    expect(warnings(runtime.stderr())).toHaveLength(1);
  });

  test("a check computation that throws passes its error on, as an uncached call would; the entry is kept", async () => {
    const report = checkMode();
    let fail = false;
    const fn = cached(makeMeta(), () => {
      if (fail) throw new Error("down");
      return "up";
    });
    expect(await fn()).toBe("up");
    fail = true;
    await expect(fn()).rejects.toThrow("down");
    expect(findings(report)).toEqual([]);
    checkOff();
    expect(await fn()).toBe("up");
  });

  test("a fresh result that cannot be stored is not checked: it is returned, nothing is written or reported", async () => {
    const report = checkMode();
    let withFunction = false;
    const fn = cached(makeMeta(), () => (withFunction ? { f: () => 1 } : { f: null }));
    expect(await fn()).toEqual({ f: null });
    withFunction = true;
    const fresh = (await fn()) as { f: () => number };
    expect(fresh.f()).toBe(1);
    expect(findings(report)).toEqual([]);
    checkOff();
    expect(await fn()).toEqual({ f: null });
  });

  test("calls that join a checked hit share its check and get the value it proved or replaced", async () => {
    checkMode();
    let outside = "old";
    const gate = deferred<void>();
    let waitForGate = false;
    const fn = cached(makeMeta(), async () => {
      if (waitForGate) await gate.promise;
      return { v: outside };
    });
    await fn();
    outside = "new";
    waitForGate = true;
    const calls = [fn(), fn(), fn()];
    gate.resolve();
    const results = await Promise.all(calls);
    expect(results).toEqual([{ v: "new" }, { v: "new" }, { v: "new" }]);
    expect(new Set(results).size).toBe(3);
    expect(fn.runs).toBe(3); // the first call, then one check (two computations) for all three
  });

  test("CACHEPHANT_CHECK=0 (and off) computes nothing on a hit", async () => {
    for (const value of ["0", "off"]) {
      checkMode(value);
      const fn = cached(makeMeta({ hash: `hash-${value}` }), () => 1);
      await fn();
      await fn();
      expect(fn.runs).toBe(1);
    }
  });

  test("a bad CACHEPHANT_CHECK is one warning, and check mode is off", async () => {
    checkMode("always");
    const fn = cached(makeMeta(), () => 1);
    await fn();
    await fn();
    expect(fn.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      'cachephant: CACHEPHANT_CHECK="always" is not understood, so it is ignored. Use 1 (or on) to check every hit, a fraction such as 0.05 to check that share of hits, 0 (or off) not to check.',
    ]);
  });

  test("debug lines say a hit was checked and what the check found", async () => {
    checkMode();
    process.env.CACHEPHANT_DEBUG = "1";
    configure({});
    let outside = 1;
    const fn = cached(makeMeta({ name: "load" }), () => outside);
    await fn();
    await fn();
    outside = 2;
    await fn();
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/ \d+\.\dms/, " <t>"))).toEqual([
      "cachephant miss load (src/data.ts:3) <t>: nothing stored for this function",
      "cachephant hit load (src/data.ts:3) <t>: from memory; checked: the same result",
      "cachephant hit load (src/data.ts:3) <t>: from memory; checked: stale, the fresh result differs from the stored one; the fresh one is returned and stored",
    ]);
  });

  test("a report file that cannot be written is one warning; the call goes on", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "report.jsonl"));
    process.env.CACHEPHANT_CHECK = "1";
    process.env.CACHEPHANT_CHECK_REPORT = join(dir, "report.jsonl");
    configure({});
    let outside = 1;
    const fn = cached(makeMeta({ name: "load" }), () => outside);
    await fn();
    outside = 2;
    expect(await fn()).toBe(2);
    outside = 3;
    expect(await fn()).toBe(3);
    const said = warnings(runtime.stderr());
    expect(said.filter((line) => line.includes("cannot write the check report"))).toHaveLength(1);
    expect(said.filter((line) => line.includes("stale: load"))).toHaveLength(1);
  });
});

describe("checkHit", () => {
  const stored = (value: unknown) => ({ value, bytes: encodeResult(value) });

  test("the same bytes: the stored value, proven", async () => {
    const value = { a: [1, 2], m: new Map([[1, 2]]) };
    const checked = await checkHit({
      meta: makeMeta(),
      key: "k",
      stored: stored(value),
      compute: async () => structuredClone(value),
    });
    expect(checked.value).toEqual(value);
    expect(checked.rewrite).toBeUndefined();
    expect(checked.finding).toBeUndefined();
  });

  test("without a report file a finding is only warned about", async () => {
    let n = 0;
    const checked = await checkHit({
      meta: makeMeta({ name: "f" }),
      key: "k",
      stored: stored(0),
      compute: async () => 5 + 0 * (n += 1),
    });
    expect(checked).toMatchObject({ value: 5, finding: { kind: "stale", key: "k" } });
    expect(checked.rewrite).toEqual(encodeResult(5));
    expect(n).toBe(2);
  });

  test("what the key covered, concisely: long lists are cut", () => {
    const deps = JSON.stringify(Array.from({ length: 10 }, (_, i) => [`helper h${i} (src/h.ts)`, "x"]));
    const covered = coveredBy(makeMeta({ hash: "abc", paths: [], deps }));
    expect(covered.reaches).toHaveLength(10);
    expect(describeCovered(covered)).toBe(
      "code abc, no arguments, reaching helper h0 (src/h.ts), helper h1 (src/h.ts), helper h2 (src/h.ts), helper h3 (src/h.ts), helper h4 (src/h.ts), helper h5 (src/h.ts) and 4 more",
    );
    expect(coveredBy(makeMeta({ deps: "not json" })).reaches).toEqual([]);
  });
});
