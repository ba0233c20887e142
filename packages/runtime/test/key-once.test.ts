// Module data the build proved never changes after load (`unchangingScope`,
// `unchangingState`): keyed once per process by identity, with the same keys
// as a walk on every call.
import { describe, expect, test } from "vitest";
import { entryKey } from "../src/key/index.js";
import { cached, makeMeta, useRuntime } from "./helpers.js";

const runtime = useRuntime();

const rowsOf = (count: number) => Array.from({ length: count }, (_, i) => ({ id: i, name: `row ${i}` }));

/** The key and the characters each part's walk keyed. */
function keyed(meta: ReturnType<typeof makeMeta>, scope: unknown[], state?: unknown[]) {
  const sizes: number[] = [];
  const key = entryKey(meta, [1], scope, state, [], sizes);
  return { key, sizes };
}

describe("module data keyed once per process", () => {
  test("keys as a walk does, and walks an object only the first time it is keyed", () => {
    const rows = rowsOf(1000);
    const marked = makeMeta({ hash: "once-1", paths: ["args[0]"], scope: ["rows"], unchangingScope: [0] });
    const plain = makeMeta({ hash: "once-1", paths: ["args[0]"], scope: ["rows"] });
    const first = keyed(marked, [rows]);
    expect(first.key).toBe(entryKey(plain, [1], [rows]));
    expect(first.sizes[1]).toBeGreaterThan(10_000);
    const second = keyed(marked, [rows]);
    expect(second.key).toBe(first.key);
    expect(second.sizes[1]).toBe(0);
  });

  test("another object (a module loaded again) is walked and keyed by its own value", () => {
    const meta = makeMeta({ hash: "once-2", paths: ["args[0]"], scope: ["rows"], unchangingScope: [0] });
    const before = keyed(meta, [rowsOf(3)]);
    const equal = keyed(meta, [rowsOf(3)]);
    expect(equal.key).toBe(before.key);
    expect(equal.sizes[1]).toBeGreaterThan(0);
    const other = keyed(meta, [rowsOf(4)]);
    expect(other.key).not.toBe(before.key);
  });

  test("a string is remembered at its place and compared by value", () => {
    const meta = makeMeta({ hash: "once-3", paths: ["args[0]"], scope: ["text"], unchangingScope: [0] });
    const text = "x".repeat(100_000);
    const first = keyed(meta, [text]);
    expect(first.key).toBe(entryKey(makeMeta({ hash: "once-3", paths: ["args[0]"], scope: ["text"] }), [1], [text]));
    expect(keyed(meta, [text]).sizes[1]).toBe(0);
    const other = keyed(meta, ["y".repeat(100_000)]);
    expect(other.key).not.toBe(first.key);
    expect(other.sizes[1]).toBeGreaterThan(0);
  });

  test("state entries are remembered too, with the keys of a walk", () => {
    const rows = rowsOf(100);
    const marked = makeMeta({
      hash: "once-4",
      paths: ["args[0]"],
      state: [["src/a.ts", "rows"]],
      unchangingState: [0],
    });
    const plain = makeMeta({ hash: "once-4", paths: ["args[0]"], state: [["src/a.ts", "rows"]] });
    expect(keyed(marked, [], [rows]).key).toBe(entryKey(plain, [1], [], [rows]));
    expect(keyed(marked, [], [rows]).sizes[1]).toBe(0);
  });

  test("a value that could not be keyed is not remembered: it fails again, then keys when it can", () => {
    let reads = 0;
    const data = {
      get n() {
        reads += 1;
        if (reads === 1) throw new Error("not yet");
        return 1;
      },
    };
    const meta = makeMeta({ hash: "once-5", paths: ["args[0]"], scope: ["data"], unchangingScope: [0] });
    expect(() => entryKey(meta, [1], [data])).toThrow(/scope\.data/);
    expect(entryKey(meta, [1], [data])).toBe(
      entryKey(makeMeta({ hash: "once-5", paths: ["args[0]"], scope: ["data"] }), [1], [data]),
    );
  });

  test("CACHEPHANT_DEBUG says once per variable that it is keyed once per process", async () => {
    process.env.CACHEPHANT_DEBUG = "1";
    const rows = rowsOf(10);
    const fn = cached(
      makeMeta({ scope: ["rows"], unchangingScope: [0] }),
      (id: number) => rows[id]!.name,
      () => [rows],
    );
    expect(await fn(1)).toBe("row 1");
    expect(await fn(1)).toBe("row 1");
    expect(fn.runs).toBe(1);
    const notes = runtime.stderr().filter((line) => line.includes("keyed once per process"));
    expect(notes).toEqual([
      expect.stringMatching(
        /^cachephant fn\d+ \(src\/data\.ts:3\): scope\.rows is keyed once per process: the build proved it never changes after load$/,
      ),
    ]);
  });
});
