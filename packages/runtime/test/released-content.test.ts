// Content an entry let go when it was written again with other bytes (a
// refresh, a ttl that passed) or removed: the side index's log says so, and
// the next prune removes it at once. The bound counts indexed
// content only, so leaving it for the walk of the content folders (up to a
// day) let a store grow past its bound by every rewrite meanwhile.
import { rmSync, statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { prune, refresh, runCached } from "../src/index.js";
import { backgroundPrune } from "../src/store/index.js";
import { contentFiles, makeMeta, useRuntime } from "./helpers.js";

const runtime = useRuntime();
const RESULT_CHARS = 20_000;

/** A cached function whose result is `version`'s, of a fixed size; `runs` counts its computations. */
function versioned() {
  const meta = makeMeta({ paths: ["args[0]"] });
  const state = { version: 0, runs: 0 };
  const call = (key: number) =>
    runCached(meta, [key], async () => {
      state.runs += 1;
      return `v${state.version}`.padEnd(RESULT_CHARS, ".");
    });
  return { state, call };
}

describe("content let go by a rewrite", () => {
  test("a key computed again with other bytes: the next prune removes the old content, the dry run counts it", async () => {
    const { state, call } = versioned();
    await call(1);
    // The first write's own prune, out of the way.
    await backgroundPrune(runtime.dir());
    // The result's content, and the function's marker (the note of its latest code).
    const before = contentFiles(runtime.dir()).length;
    for (state.version = 1; state.version <= 3; state.version++) await refresh(() => call(1));
    expect(contentFiles(runtime.dir())).toHaveLength(before + 3);

    const dry = await prune({ dryRun: true });
    expect(dry).toMatchObject({ orphanedFiles: 3, removedEntries: 0, remainingEntries: 1 });
    expect(dry.orphanedBytes).toBeGreaterThan(3 * RESULT_CHARS);
    expect(contentFiles(runtime.dir())).toHaveLength(before + 3);

    const outcome = await prune();
    expect(outcome).toMatchObject({ orphanedFiles: 3, orphanedBytes: dry.orphanedBytes, removedEntries: 0 });
    expect(outcome.remainingEntries).toBe(1);
    expect(contentFiles(runtime.dir())).toHaveLength(before);
    // The entry kept is whole and served: no computation.
    const runs = state.runs;
    expect(await call(1)).toBe("v3".padEnd(RESULT_CHARS, "."));
    expect(state.runs).toBe(runs);
    // Nothing left to let go.
    expect(await prune()).toMatchObject({ orphanedFiles: 0 });
  });

  test("a dry run counts only the let-go content still there to remove (another tool may have removed it)", async () => {
    const { state, call } = versioned();
    await call(1);
    await backgroundPrune(runtime.dir());
    const before = new Set(contentFiles(runtime.dir()));
    for (state.version = 1; state.version <= 2; state.version++) await refresh(() => call(1));
    // The content of version 0 (the only file the refreshes left behind), removed by hand.
    const current = contentFiles(runtime.dir());
    const left = [...before].filter((path) => current.includes(path));
    rmSync(left.find((path) => statSync(path).size > RESULT_CHARS)!);

    expect(await prune({ dryRun: true })).toMatchObject({ orphanedFiles: 1 });
    expect(await prune()).toMatchObject({ orphanedFiles: 1 });
  });

  test("content another entry still uses stays, and that entry is still served", async () => {
    const { state, call } = versioned();
    await call(1);
    await call(2); // the same bytes: one content file for both keys
    await backgroundPrune(runtime.dir());
    const before = contentFiles(runtime.dir()).length;
    state.version = 1;
    await refresh(() => call(1));
    expect(contentFiles(runtime.dir())).toHaveLength(before + 1);

    expect(await prune()).toMatchObject({ orphanedFiles: 0, remainingEntries: 2 });
    expect(contentFiles(runtime.dir())).toHaveLength(before + 1);
    const runs = state.runs;
    expect(await call(2)).toBe("v0".padEnd(RESULT_CHARS, "."));
    expect(await call(1)).toBe("v1".padEnd(RESULT_CHARS, "."));
    expect(state.runs).toBe(runs);
  });
});
