// The remote tier against a real redis-server: two tiers, chunking, ttl,
// signing, read-only machines.
import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { entryKey } from "../src/key/index.js";
import { RemoteLayout } from "../src/remote/layout.js";
import { remoteTimings } from "../src/remote/timing.js";
import { configure } from "../src/index.js";
import { backgroundPrune } from "../src/store/index.js";
import { cached, debugLines, makeMeta as makeAnyMeta, tempDir, useRuntime, warnings } from "./helpers.js";
import { currentTieredStore, useRemote, useRemoteEnv } from "./remote-helpers.js";
import { startRedis, type RedisServer } from "./redis-server.js";

// Real servers and large transfers: generous on a loaded machine (the bounds that matter are asserted).
vi.setConfig({ testTimeout: 60_000 });

const runtime = useRuntime();
useRemoteEnv();

const headKey = (key: string) => new RemoteLayout("").head(key);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
/** A made-up function with code of its own (functions of `makeAnyMeta` share a code hash, so their keys would collide). */
const makeMeta = (overrides: Parameters<typeof makeAnyMeta>[0] = {}) =>
  makeAnyMeta({ hash: randomUUID(), ...overrides });

// Made-up functions share a code hash, so each test starts from an empty remote.
beforeEach(async () => void (await redis.client().flushall()));

/** Runs `call` as a "machine" with its own local store; waits for its background writes. */
async function onMachine<T>(env: { key?: string; mode?: string }, call: () => Promise<T>): Promise<T> {
  useRemote(tempDir(), redis.url, env);
  const value = await call();
  await currentTieredStore().settled();
  return value;
}

async function remoteKeys(): Promise<string[]> {
  return (await redis.client().keys("cachephant:*")).sort();
}

describe("two tiers", () => {
  test("a result computed on one machine is served from the remote on another, and fills its local store", async () => {
    const meta = makeMeta();
    const first = cached(meta, (x: number) => ({ squared: x * x, at: new Date(0) }));
    expect(await onMachine({}, () => first(7))).toEqual({ squared: 49, at: new Date(0) });
    expect(first.runs).toBe(1);

    configure({ debug: true });
    const second = cached(meta, (_x: number) => ({ squared: -1, at: new Date(1) }));
    expect(await onMachine({}, () => second(7))).toEqual({ squared: 49, at: new Date(0) });
    expect(second.runs).toBe(0);

    // The local store of the second machine now has it: served with the remote gone.
    await backgroundPrune(currentTieredStore().dir); // its end forgets what memory holds (trusted for a second)
    await redis.client().flushall();
    expect(await second(7)).toEqual({ squared: 49, at: new Date(0) });
    expect(second.runs).toBe(0);
    expect(warnings(runtime.stderr())).toEqual([]);
    // Each hit's debug line says which tier served it.
    expect(debugLines(runtime.stderr()).map((line) => line.replace(/^.*ms: /, ""))).toEqual([
      "from the remote tier",
      "from the local store",
    ]);
  });

  test("a computed result is written to both tiers; a local hit does not touch the remote", async () => {
    const meta = makeMeta();
    const load = cached(meta, () => "value");
    await onMachine({}, () => load());
    const key = entryKey(meta, []);
    expect(await redis.client().exists(headKey(key))).toBe(1);
    await redis.client().del(headKey(key));
    expect(await load()).toBe("value");
    expect(load.runs).toBe(1);
    expect(await redis.client().exists(headKey(key))).toBe(0);
  });

  test("a 100 MB result is stored in 1 MiB chunks and round-trips", async () => {
    // This test is about the round trip, not the deadlines: a loaded machine may be slow to move 100 MB.
    remoteTimings.bytesPerMs = 500;
    const meta = makeMeta();
    const big = Buffer.alloc(100e6);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const load = cached(meta, () => big);
    await onMachine({}, () => load());
    const chunks = (await remoteKeys()).filter(
      (key) => key.startsWith(headKey(entryKey(meta, []))) && key !== headKey(entryKey(meta, [])),
    );
    expect(chunks.length).toBe(96); // 100e6 bytes + the v8 header, 1,048,576 bytes per chunk
    const other = cached(meta, () => Buffer.alloc(1));
    const got = await onMachine({}, () => other());
    expect(other.runs).toBe(0);
    expect(got.equals(big)).toBe(true);
  }, 240_000);

  test("the directive's ttl becomes the entry's expiry in Redis, for the head and its chunks", async () => {
    const meta = makeMeta({ ttl: 60_000 });
    const load = cached(meta, () => Buffer.alloc(3e6, 1));
    await onMachine({}, () => load());
    const keys = (await remoteKeys()).filter((key) => key.startsWith(headKey(entryKey(meta, []))));
    expect(keys.length).toBe(4);
    for (const key of keys) {
      const ttl = await redis.client().pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    const forever = makeMeta();
    await onMachine({}, () => cached(forever, () => 1)());
    expect(await redis.client().pttl(headKey(entryKey(forever, [])))).toBe(-1);
  });
});

describe("trust", () => {
  test("an entry signed with the team's key is served to a machine with the same key", async () => {
    const meta = makeMeta();
    await onMachine({ key: "team-secret" }, () => cached(meta, () => "signed")());
    const reader = cached(meta, () => "computed");
    expect(await onMachine({ key: "team-secret" }, () => reader())).toBe("signed");
    expect(reader.runs).toBe(0);
  });

  test("a tampered entry (one byte of its value flipped in Redis) is a miss and one warning, never its value", async () => {
    const meta = makeMeta();
    await onMachine({ key: "team-secret" }, () => cached(meta, () => "genuine value")());
    const head = headKey(entryKey(meta, []));
    const bytes = (await redis.client().getBuffer(head))!;
    const at = bytes.indexOf("genuine");
    bytes[at] = "G".charCodeAt(0);
    await redis.client().set(head, bytes);

    const reader = cached(meta, () => "recomputed");
    expect(await onMachine({ key: "team-secret" }, () => reader())).toBe("recomputed");
    expect(reader.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(
        /an entry in the remote cache redis:\/\/127\.0\.0\.1:\d+ was refused: its content does not match the hash in its header/,
      ),
    ]);
    // Entries are immutable: the reader's result did not replace it, and it is still refused.
    expect(await redis.client().getBuffer(head)).toEqual(bytes);
    const again = cached(meta, () => "third");
    expect(await onMachine({ key: "team-secret" }, () => again())).toBe("third");
  });

  test("an entry signed with another key is refused", async () => {
    const meta = makeMeta();
    await onMachine({ key: "attacker-key" }, () => cached(meta, () => "forged")());
    const reader = cached(meta, () => "mine");
    expect(await onMachine({ key: "team-secret" }, () => reader())).toBe("mine");
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining("its signature does not verify")]);
  });

  test("an unsigned entry is refused when a key is set, and a signed one under the insecure opt-in", async () => {
    const unsigned = makeMeta();
    await onMachine({}, () => cached(unsigned, () => "unsigned")());
    const keyed = cached(unsigned, () => "keyed reader");
    expect(await onMachine({ key: "team-secret", mode: "read" }, () => keyed())).toBe("keyed reader");
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining(
        "it is not signed, and this machine accepts only signatures with its HMAC key (CACHEPHANT_REMOTE_KEY)",
      ),
    ]);

    const signed = makeMeta();
    await onMachine({ key: "team-secret" }, () => cached(signed, () => "signed")());
    const keyless = cached(signed, () => "keyless reader");
    expect(await onMachine({ mode: "read" }, () => keyless())).toBe("keyless reader");
    expect(warnings(runtime.stderr())[1]).toContain(
      "it is signed with an HMAC key, and this machine accepts only unsigned entries (CACHEPHANT_REMOTE_INSECURE)",
    );
  });

  test("without a key, a damaged entry fails its checksum and is a miss", async () => {
    const meta = makeMeta();
    await onMachine({}, () => cached(meta, () => [1, 2, 3])());
    const head = headKey(entryKey(meta, []));
    const bytes = (await redis.client().getBuffer(head))!;
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 0xff, bytes.length - 2);
    await redis.client().set(head, bytes);
    const reader = cached(meta, () => [4]);
    expect(await onMachine({}, () => reader())).toEqual([4]);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining("its content does not match the hash in its header"),
    ]);
  });

  test("a forged head asking for a billion chunks is refused before any chunk is read", async () => {
    const meta = makeMeta();
    await onMachine({}, () => cached(meta, () => "real")());
    const head = headKey(entryKey(meta, []));
    const bytes = (await redis.client().getBuffer(head))!;
    const headerLength = bytes.readUInt32BE(4);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    const forged = Buffer.from(JSON.stringify({ ...header, size: 1e15, chunks: 1e9, id: "0123456789abcdef" }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(forged.length);
    await redis
      .client()
      .set(head, Buffer.concat([bytes.subarray(0, 4), length, forged, bytes.subarray(8 + headerLength)]));
    const reader = cached(meta, () => "recomputed");
    expect(await onMachine({}, () => reader())).toBe("recomputed");
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining("was refused: its header is damaged")]);
  });

  test("CACHEPHANT_REMOTE_MODE=read reads the remote and never writes to it", async () => {
    const shared = makeMeta();
    await onMachine({}, () => cached(shared, () => "from CI")());
    const before = await remoteKeys();

    const laptop = cached(shared, () => "laptop");
    expect(await onMachine({ mode: "read" }, () => laptop())).toBe("from CI");
    const own = cached(makeMeta(), () => "laptop only");
    expect(await onMachine({ mode: "read" }, () => own())).toBe("laptop only");
    expect(await remoteKeys()).toEqual(before);
    expect(own.runs).toBe(1);
  });

  test("credentials in the URL never appear in warnings or debug lines", async () => {
    const guarded = await startRedis({ password: "s3cret-pass" });
    try {
      const load = cached(makeMeta(), () => 5);
      const wrong = guarded.url.replace("s3cret-pass", "wrong-pass");
      useRemote(tempDir(), wrong.replace("redis://", "redis://admin"));
      process.env.CACHEPHANT_DEBUG = "1";
      const { configure } = await import("../src/index.js");
      configure({ debug: true });
      expect(await load()).toBe(5);
      const output = runtime.stderr().join("\n");
      expect(output).toMatch(/the remote cache redis:\/\/127\.0\.0\.1:\d+ refused the credentials/);
      expect(output).not.toContain("wrong-pass");
      expect(output).not.toContain("admin");
    } finally {
      delete process.env.CACHEPHANT_DEBUG;
      await guarded.stop();
    }
  });
});
