// The remote tier's trust model against a real redis-server: Ed25519
// writers and readers that hold only public keys, forged and replayed
// entries, rotation, the insecure opt-in, immutable entries and namespaces.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { configure } from "../src/index.js";
import { settingsFor } from "../src/config.js";
import { entryKey } from "../src/key/index.js";
import { RemoteLayout } from "../src/remote/layout.js";
import { cached, makeMeta as makeAnyMeta, tempDir, useRuntime, warnings } from "./helpers.js";
import { currentTieredStore, keyPair, useRemote, useRemoteEnv, type MachineEnv } from "./remote-helpers.js";
import { startRedis, type RedisServer } from "./redis-server.js";

vi.setConfig({ testTimeout: 60_000 });

const runtime = useRuntime();
useRemoteEnv();

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
beforeEach(async () => void (await redis.client().flushall()));

const makeMeta = () => makeAnyMeta({ hash: randomUUID() });
const head = (meta: ReturnType<typeof makeMeta>, args: unknown[] = [], namespace = "") =>
  new RemoteLayout(namespace).head(entryKey(meta, args));
const ci = keyPair();
const other = keyPair();

async function onMachine<T>(env: MachineEnv, call: () => Promise<T>): Promise<T> {
  useRemote(tempDir(), redis.url, env);
  const value = await call();
  // Without a usable remote (the settings refused it) there is nothing to wait for.
  if (settingsFor().remote !== undefined) await currentTieredStore().settled();
  return value;
}

const allKeys = async () => (await redis.client().keys("cachephant:*")).sort();
const writer = { signingKey: ci.privatePem };
const laptop = { trustedKeys: ci.publicPem };

describe("Ed25519", () => {
  test("a laptop with only the public key reads CI's entries, writes nothing, and says so in debug", async () => {
    const meta = makeMeta();
    expect(await onMachine(writer, () => cached(meta, () => ({ built: "by CI" }))())).toEqual({ built: "by CI" });
    const before = await allKeys();
    expect(before).toHaveLength(1);

    configure({ debug: true });
    const read = cached(meta, () => ({ built: "on the laptop" }));
    expect(await onMachine(laptop, () => read())).toEqual({ built: "by CI" });
    expect(read.runs).toBe(0);
    const own = cached(makeMeta(), () => "only here");
    expect(await onMachine(laptop, () => own())).toBe("only here");
    expect(own.runs).toBe(1);
    expect(await allKeys()).toEqual(before); // no entry, no lock
    expect(warnings(runtime.stderr())).toEqual([]);
    expect(runtime.stderr().filter((line) => line.includes("read only"))).toEqual([
      expect.stringMatching(
        /^cachephant remote redis:\/\/127\.0\.0\.1:\d+: read only \(no CACHEPHANT_REMOTE_SIGNING_KEY/,
      ),
    ]);
  });

  test("the key files keygen writes work as paths, several trusted keys separated by commas", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ci.key"), ci.privatePem);
    writeFileSync(join(dir, "ci.pub"), ci.publicPem);
    writeFileSync(join(dir, "other.pub"), other.publicPem);
    const meta = makeMeta();
    await onMachine({ signingKey: join(dir, "ci.key") }, () => cached(meta, () => 42)());
    const read = cached(meta, () => 0);
    expect(await onMachine({ trustedKeys: `${join(dir, "other.pub")}, ${join(dir, "ci.pub")}` }, () => read())).toBe(
      42,
    );
    expect(read.runs).toBe(0);
  });

  test("a reader trusting another key refuses CI's entries and computes; one warning naming the signer", async () => {
    const meta = makeMeta();
    await onMachine(writer, () => cached(meta, () => "CI's")());
    const read = cached(meta, () => "mine");
    expect(await onMachine({ trustedKeys: other.publicPem }, () => read())).toBe("mine");
    expect(read.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining(
        `was refused: it is signed by key ${ci.id}, which is not among CACHEPHANT_REMOTE_TRUSTED_KEYS`,
      ),
    ]);
  });

  test("an entry signed by an untrusted key (a pull request's own key) is a miss for main, and main's result does not replace it", async () => {
    const meta = makeMeta();
    await onMachine({ signingKey: other.privatePem }, () => cached(meta, () => "poisoned")());
    const poisoned = await redis.client().getBuffer(head(meta));
    const main = cached(meta, () => "genuine");
    expect(await onMachine(writer, () => main())).toBe("genuine");
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining(`signed by key ${other.id}, which is not among`),
    ]);
    expect(await redis.client().getBuffer(head(meta))).toEqual(poisoned);
  });

  test("a truncated signature is a miss and a warning, never a value", async () => {
    const meta = makeMeta();
    await onMachine(writer, () => cached(meta, () => "x".repeat(100))());
    const bytes = (await redis.client().getBuffer(head(meta)))!;
    const tagAt = 8 + bytes.readUInt32BE(4);
    // The tag cut to 32 bytes, the content after it: what an HMAC-sized tag would look like.
    await redis.client().set(head(meta), Buffer.concat([bytes.subarray(0, tagAt + 32), bytes.subarray(tagAt + 64)]));
    const read = cached(meta, () => "computed");
    expect(await onMachine(laptop, () => read())).toBe("computed");
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringMatching(
        /was refused: (it is truncated|its content has the wrong size|its signature does not verify)/,
      ),
    ]);
  });

  test("a valid entry replayed under another key is a miss and a warning", async () => {
    const [a, b] = [makeMeta(), makeMeta()];
    await onMachine(writer, () => cached(a, () => "a's value")());
    await redis.client().set(head(b), (await redis.client().getBuffer(head(a)))!);
    const read = cached(b, () => "b's value");
    expect(await onMachine(laptop, () => read())).toBe("b's value");
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining("was refused: its signature does not verify")]);
  });

  test("a chunk swapped in from another entry is a miss and a warning", async () => {
    const [a, b] = [makeMeta(), makeMeta()];
    await onMachine(writer, () => cached(a, () => Buffer.alloc(3e6, 1))());
    await onMachine(writer, () => cached(b, () => Buffer.alloc(3e6, 2))());
    const chunksOf = async (meta: ReturnType<typeof makeMeta>) =>
      (await allKeys()).filter((key) => key.startsWith(`${head(meta)}:`)).sort();
    const [aChunks, bChunks] = [await chunksOf(a), await chunksOf(b)];
    expect(aChunks).toHaveLength(3);
    await redis.client().set(bChunks[1]!, (await redis.client().getBuffer(aChunks[1]!))!);
    const read = cached(b, () => Buffer.alloc(1));
    expect((await onMachine(laptop, () => read())).length).toBe(1);
    expect(read.runs).toBe(1);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining("was refused: its content does not match the hash in its header"),
    ]);
  });

  test("rotation: with both keys trusted, entries of the old and the new key are served; once the old one is dropped, its entries are misses", async () => {
    const next = keyPair();
    const [old, fresh] = [makeMeta(), makeMeta()];
    await onMachine(writer, () => cached(old, () => "old key")());
    await onMachine({ signingKey: next.privatePem }, () => cached(fresh, () => "new key")());
    const both = { trustedKeys: `${ci.publicPem},${next.publicPem}` };
    const [readOld, readFresh] = [cached(old, () => "computed"), cached(fresh, () => "computed")];
    expect(await onMachine(both, () => readOld())).toBe("old key");
    expect(await onMachine(both, () => readFresh())).toBe("new key");
    expect(warnings(runtime.stderr())).toEqual([]);

    const afterRotation = cached(old, () => "computed");
    expect(await onMachine({ trustedKeys: next.publicPem }, () => afterRotation())).toBe("computed");
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining(`signed by key ${ci.id}`)]);
  });
});

describe("no unauthenticated remote by accident", () => {
  test("without any key the remote is not used, with one warning naming the settings", async () => {
    const load = cached(makeMeta(), () => "local only");
    expect(await onMachine({ insecure: false }, () => load())).toBe("local only");
    expect(await load()).toBe("local only");
    expect(await allKeys()).toEqual([]);
    const said = warnings(runtime.stderr());
    expect(said).toHaveLength(1);
    for (const setting of [
      "CACHEPHANT_REMOTE_TRUSTED_KEYS",
      "CACHEPHANT_REMOTE_SIGNING_KEY",
      "CACHEPHANT_REMOTE_KEY",
      "CACHEPHANT_REMOTE_INSECURE=1",
    ]) {
      expect(said[0]).toContain(setting);
    }
  });

  test("CACHEPHANT_REMOTE_INSECURE=1 shares unsigned entries", async () => {
    const meta = makeMeta();
    await onMachine({ insecure: true }, () => cached(meta, () => "shared")());
    const read = cached(meta, () => "computed");
    expect(await onMachine({ insecure: true }, () => read())).toBe("shared");
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("a bad key is one warning naming the setting and the fix, and no remote", async () => {
    const load = cached(makeMeta(), () => 1);
    await onMachine({ trustedKeys: ci.privatePem }, () => load());
    await onMachine({ signingKey: "/nonexistent/ci.key" }, () => load());
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining("CACHEPHANT_REMOTE_TRUSTED_KEYS lists a private key (a PEM text); list public keys only"),
      expect.stringContaining("CACHEPHANT_REMOTE_SIGNING_KEY: cannot read the key file /nonexistent/ci.key (ENOENT)"),
    ]);
    expect(await allKeys()).toEqual([]);
  });

  test("a private key in configure() is refused, and the error does not repeat it", () => {
    expect(() => configure({ remoteSigningKey: ci.privatePem as never })).toThrow(
      /configure\(\{ remoteSigningKey: … \}\): a private key never goes in settings; set CACHEPHANT_REMOTE_SIGNING_KEY/,
    );
    try {
      configure({ remoteSigningKey: ci.privatePem as never });
    } catch (error) {
      expect((error as Error).message).not.toContain("PRIVATE KEY");
    }
  });
});

describe("immutable entries", () => {
  test("a second writer never replaces an entry; another result for the same key is one conflict warning", async () => {
    const meta = makeMeta();
    await onMachine(writer, () => cached(meta, () => "first")());
    const stored = await redis.client().getBuffer(head(meta));
    // CACHEPHANT=refresh computes again and writes: a function whose result changed.
    process.env.CACHEPHANT = "refresh";
    try {
      await onMachine(writer, () => cached(meta, () => "second")());
    } finally {
      delete process.env.CACHEPHANT;
    }
    expect(await redis.client().getBuffer(head(meta))).toEqual(stored);
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining(
        `holds another result of ${meta.name} (${meta.file}) for the same key, and entries are never overwritten`,
      ),
    ]);
    const read = cached(meta, () => "computed");
    expect(await onMachine(laptop, () => read())).toBe("first");
  });

  test("the same result written twice is no conflict", async () => {
    const meta = makeMeta();
    await onMachine(writer, () => cached(meta, () => "same")());
    process.env.CACHEPHANT = "refresh";
    try {
      await onMachine(writer, () => cached(meta, () => "same")());
    } finally {
      delete process.env.CACHEPHANT;
    }
    expect(warnings(runtime.stderr())).toEqual([]);
  });
});

describe("namespaces", () => {
  test("two namespaces on one Redis keep their entries apart", async () => {
    const meta = makeMeta();
    await onMachine({ ...writer, namespace: "main" }, () => cached(meta, () => "main's")());
    const feature = cached(meta, () => "feature's");
    expect(await onMachine({ ...writer, namespace: "feature/login" }, () => feature())).toBe("feature's");
    expect(feature.runs).toBe(1);
    expect(await redis.client().exists(head(meta, [], "main"), head(meta, [], "feature/login"))).toBe(2);
    const read = cached(meta, () => "computed");
    expect(await onMachine({ ...laptop, namespace: "main" }, () => read())).toBe("main's");
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("an entry copied into another namespace does not verify there", async () => {
    const meta = makeMeta();
    await onMachine({ ...writer, namespace: "main" }, () => cached(meta, () => "main's")());
    await redis.client().set(head(meta, [], "release"), (await redis.client().getBuffer(head(meta, [], "main")))!);
    const read = cached(meta, () => "computed");
    expect(await onMachine({ ...laptop, namespace: "release" }, () => read())).toBe("computed");
    expect(warnings(runtime.stderr())).toEqual([expect.stringContaining("its signature does not verify")]);
  });

  test("a namespace with other characters is one warning and no remote", async () => {
    const load = cached(makeMeta(), () => 1);
    await onMachine({ ...writer, namespace: "a:b*" }, () => load());
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining('the remote namespace "a:b*" (CACHEPHANT_REMOTE_NAMESPACE) may hold only'),
    ]);
    expect(await allKeys()).toEqual([]);
  });
});
