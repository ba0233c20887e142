// Large values in keys: the fast paths (long parts hashed as they are walked,
// long strings and binary data hashed from their memory, the sorted keys of
// recent object shapes) must tell apart every two values the plain walk does.
import { describe, expect, test } from "vitest";
import { canonicalEncoding, entryKey, keyParts, type PartEncodings, PART_TEXT_LIMIT } from "../src/key/index.js";
import { cached, makeMeta, useRuntime, warnings } from "./helpers.js";

const runtime = useRuntime();

const same = (a: unknown, b: unknown) => expect(canonicalEncoding(a)).toBe(canonicalEncoding(b));
const differ = (a: unknown, b: unknown) => expect(canonicalEncoding(a)).not.toBe(canonicalEncoding(b));

const rows = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: i, name: `row ${i}`, price: i * 0.25, active: i % 3 === 0 }));

describe("long strings", () => {
  const long = "ab".repeat(PART_TEXT_LIMIT);

  test("key by content: equal texts alike however they were built, one changed character apart", () => {
    same(long, ["a", "b"].join("").repeat(PART_TEXT_LIMIT));
    differ(long, `${long.slice(0, -1)}c`);
    differ(long, `${long}a`);
    differ(`x${long}`, `y${long}`);
  });

  test("a long string differs from the same text split into an array, and a part just over the limit from one at it", () => {
    differ(long, [long.slice(0, PART_TEXT_LIMIT), long.slice(PART_TEXT_LIMIT)]);
    const atLimit = "x".repeat(PART_TEXT_LIMIT - 12);
    differ(atLimit, `${atLimit}x`);
    same(`${atLimit}x`, `${atLimit}x`);
  });

  test("strings that differ only in a lone surrogate key apart (UTF-8 would write both as U+FFFD), as values and as object keys", () => {
    const key = (value: unknown) => entryKey(makeMeta(), [value]);
    expect(key("a\uD800")).not.toBe(key("a\uD801"));
    expect(key("a\uD800")).not.toBe(key("a\uFFFD"));
    expect(key({ "\uDC00": 1 })).not.toBe(key({ "\uDC01": 1 }));
    expect(key(`${long}\uD800`)).not.toBe(key(`${long}\uD801`));
    expect(key("a\uD800")).toBe(key("a\uD800"));
  });
});

describe("binary data", () => {
  const floats = () => Float64Array.from({ length: 200_000 }, (_, i) => i * 1.5);

  test("a large typed array keys by its bytes: one changed element apart, a copy alike", () => {
    const a = floats();
    const b = floats();
    same(a, b);
    b[b.length - 1] = -1;
    differ(a, b);
  });

  test("by its type: the same bytes as another typed array or a Buffer key apart", () => {
    const a = floats();
    differ(a, new Uint8Array(a.buffer));
    differ(new Uint8Array(a.buffer), Buffer.from(a.buffer));
    differ(new Uint8Array(a.buffer), a.buffer);
  });

  test("by the bytes of its view only (byteOffset and length): views of one buffer at other offsets key apart", () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
    const at = (offset: number, length: number) => new Uint8Array(bytes.buffer, offset, length);
    differ(at(0, 50_000), at(1, 50_000));
    differ(at(0, 50_000), at(0, 50_001));
    // The same visible bytes key alike wherever they sit.
    same(at(251, 50_000), at(0, 50_000));
    same(at(10, 50_000), Uint8Array.from(at(10, 50_000)));
  });
});

describe("arrays of same-shaped objects", () => {
  test("equal rows key alike; one field of one row changed keys apart", () => {
    same(rows(20_000), rows(20_000));
    const changed = rows(20_000);
    changed[19_999]!.price = 0;
    differ(rows(20_000), changed);
    const renamed = rows(20_000);
    renamed[10_000]!.name = "row 10001";
    differ(rows(20_000), renamed);
  });

  test("a row with its keys in another order keys alike; one with another key, a missing key or one key more apart", () => {
    const reordered = rows(5_000);
    const { id, name, price, active } = reordered[2_500]!;
    reordered[2_500] = { active, price, name, id };
    same(rows(5_000), reordered);
    const other: unknown[] = rows(5_000);
    other[2_500] = { id, name, price, enabled: active };
    differ(rows(5_000), other);
    const missing: unknown[] = rows(5_000);
    missing[2_500] = { id, name, price };
    differ(rows(5_000), missing);
    const extra: unknown[] = rows(5_000);
    extra[2_500] = { id, name, price, active, more: 1 };
    differ(rows(5_000), extra);
  });

  test("rows of many alternating shapes key by their own keys", () => {
    const mixed = (swap: number) =>
      Array.from({ length: 3_000 }, (_, i) => ({ [`k${i % 20}`]: i, [`v${(i + (i === swap ? 1 : 0)) % 20}`]: 1 }));
    same(mixed(-1), mixed(-1));
    differ(mixed(-1), mixed(1_500));
  });
});

describe("long parts in the key", () => {
  test("a part over the limit is kept as its digest, and the part digests made from it equal a fresh walk's", () => {
    const meta = makeMeta({ paths: ["args[0]", "args[1]"], scope: ["rows"] });
    const values = [rows(10_000), "x".repeat(PART_TEXT_LIMIT + 1)];
    const scope = [rows(3)];
    const encodings: PartEncodings = [];
    const sizes: number[] = [];
    const key = entryKey(meta, values, scope, undefined, encodings, sizes);
    expect(encodings).toEqual([
      expect.stringMatching(/^H\d+#[\w-]{43}$/),
      expect.stringMatching(/^H\d+#[\w-]{43}$/),
      expect.stringMatching(/^a3:o4:/),
    ]);
    expect(sizes[0]).toBe(Number(/^H(\d+)#/.exec(encodings[0]!)![1]));
    expect(sizes[0]).toBeGreaterThan(PART_TEXT_LIMIT);
    expect(sizes[1]).toBe(PART_TEXT_LIMIT + 1 + `s${PART_TEXT_LIMIT + 1}:`.length);
    expect(keyParts(meta, values, scope, undefined, encodings)).toEqual(keyParts(meta, values, scope));
    expect(entryKey(meta, [rows(10_000), "x".repeat(PART_TEXT_LIMIT + 1)], [rows(3)])).toBe(key);
    expect(entryKey(meta, [rows(10_001), "x".repeat(PART_TEXT_LIMIT + 1)], [rows(3)])).not.toBe(key);
  });

  test("with debug lines, slow keying names the largest value counting the bytes of binary data", async () => {
    const { configure } = await import("../src/index.js");
    configure({ debug: true });
    const fn = cached(
      makeMeta({ name: "blend", paths: ["args[0]", "args[1]"] }),
      (_small: unknown, _pixels: unknown) => 1,
    );
    const pixels = new Float64Array(16 * 1024 * 1024);
    await fn(rows(10), pixels);
    await fn(rows(10), pixels);
    const said = warnings(runtime.stderr()).filter((line) => line.includes("keying a call took"));
    // Hashing 128 MB takes over 10 ms on any machine.
    expect(said).toEqual([
      expect.stringMatching(/blend .*; the largest value is args\[1\] \(134217\d{3} characters keyed\)/),
    ]);
  });
});
