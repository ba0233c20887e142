// The file calls of a prune the user runs: synchronous while the file system
// answers quickly, through the thread pool once calls are slow (file-ops.ts).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { adaptiveFileOps, POOLED_FILE_OPS } from "../src/store/file-ops.js";

const dir = mkdtempSync(join(tmpdir(), "cachephant-file-ops-"));
writeFileSync(join(dir, "a"), "1");

describe("adaptive file calls", () => {
  test("calls answered quickly stay synchronous: values, not promises, call after call", () => {
    const ops = adaptiveFileOps(1_000);
    for (let i = 0; i < 200; i++) {
      const stats = ops.stat(join(dir, "a"));
      expect(stats).not.toBeInstanceOf(Promise);
      expect(ops.readdir(dir)).toEqual(["a"]);
    }
    expect(ops.pooled).toBe(false);
  });

  test("once calls count as slow, the rest go through the thread pool, with the same results", async () => {
    // A bound no call can keep under: the first call makes the average slow.
    const ops = adaptiveFileOps(-1);
    expect(ops.readdir(dir)).toEqual(["a"]);
    expect(ops.pooled).toBe(true);
    const listed = ops.readdir(dir);
    expect(listed).toBeInstanceOf(Promise);
    expect(await listed).toEqual(["a"]);
    expect((await ops.stat(join(dir, "a"))).size).toBe(1);
  });

  test("one call held up far past the bound (a garbage collection, a busy CPU) does not move to the pool; a few slow ones in a row do", async () => {
    // A bound of a nanosecond: every call is slow, and a microsecond call is a thousand times the bound.
    const ops = adaptiveFileOps(1e-6);
    expect(ops.stat(join(dir, "a"))).not.toBeInstanceOf(Promise);
    expect(ops.pooled).toBe(false);
    expect(ops.stat(join(dir, "a"))).not.toBeInstanceOf(Promise);
    expect(ops.stat(join(dir, "a"))).not.toBeInstanceOf(Promise);
    expect(ops.pooled).toBe(true);
    expect((await ops.stat(join(dir, "a"))).size).toBe(1);
  });

  test("a synchronous call's failure is thrown where it is awaited, as the pool's rejection is", async () => {
    const missing = join(dir, "missing");
    const code = async (call: () => unknown) => {
      try {
        await call();
        return "no error";
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    };
    expect(await code(() => adaptiveFileOps(1_000).stat(missing))).toBe("ENOENT");
    expect(await code(() => POOLED_FILE_OPS.stat(missing))).toBe("ENOENT");
  });
});
