import { describe, expect, test } from "vitest";
import { inFileSlot, isTransient, retryTransient } from "../src/store/index.js";

const fault = (code: string) => Object.assign(new Error(`${code}: too many open files`), { code });

describe("transient file faults", () => {
  test("EMFILE, ENFILE and EAGAIN are transient; ENOSPC, EACCES and EROFS are not", () => {
    expect(["EMFILE", "ENFILE", "EAGAIN"].map((code) => isTransient(fault(code)))).toEqual([true, true, true]);
    expect(["ENOSPC", "EACCES", "EROFS", "ENOENT"].map((code) => isTransient(fault(code)))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  test("an operation that meets EMFILE is tried again until it succeeds", async () => {
    let attempts = 0;
    const result = await retryTransient(() => {
      attempts += 1;
      if (attempts < 4) throw fault(attempts % 2 === 0 ? "ENFILE" : "EMFILE");
      return "written";
    });
    expect({ result, attempts }).toEqual({ result: "written", attempts: 4 });
  });

  test("a fault that is not transient fails at once", async () => {
    let attempts = 0;
    await expect(
      retryTransient(() => {
        attempts += 1;
        throw fault("EROFS");
      }),
    ).rejects.toMatchObject({ code: "EROFS" });
    expect(attempts).toBe(1);
  });

  test("a transient fault that does not pass fails after the wait's bound", async () => {
    const started = Date.now();
    await expect(
      retryTransient(() => {
        throw fault("EMFILE");
      }, 50),
    ).rejects.toMatchObject({ code: "EMFILE" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  test("at most 16 operations are in flight at once; the rest wait for a slot and all complete", async () => {
    let inFlight = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        inFileSlot(async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inFlight -= 1;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(most).toBe(16);
  });
});
