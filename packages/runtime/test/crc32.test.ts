import { randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, test } from "vitest";
import { crc32 } from "../src/store/crc32.js";

describe("the store's CRC-32", () => {
  test("reads a view's own bytes, not its whole buffer (summed in JavaScript: the first call in the file)", () => {
    const whole = randomBytes(4096);
    const view = whole.subarray(100, 1100);
    expect(crc32(view)).toBe(zlibCrc32(Buffer.from(view)));
  });

  test("equals zlib's for content summed in JavaScript and for content handed to zlib (past the size limit, and for everything once a process has summed its budget)", () => {
    for (const size of [0, 1, 7, 1000, 65_535, 65_536, 65_537, 300_000, 1000]) {
      const bytes = randomBytes(size);
      expect(crc32(bytes), `${size} bytes`).toBe(zlibCrc32(bytes));
    }
  });
});
