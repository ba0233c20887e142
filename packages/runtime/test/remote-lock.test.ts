// One computation across machines: the lock in Redis, taken on a miss in
// both tiers, released by the write, or by expiry when its holder dies.
import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { RemoteStore } from "../src/remote/remote-store.js";
import { RemoteLayout } from "../src/remote/layout.js";
import { TieredStore } from "../src/remote/tiered.js";
import { remoteTimings } from "../src/remote/timing.js";
import { storeAt, type EntryMetadata } from "../src/store/index.js";
import { tempDir, useRuntime } from "./helpers.js";
import { useRemoteEnv } from "./remote-helpers.js";
import { startRedis, type RedisServer } from "./redis-server.js";

// Real servers and large transfers: generous on a loaded machine (the bounds that matter are asserted).
vi.setConfig({ testTimeout: 60_000 });

useRuntime();
useRemoteEnv();

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
beforeEach(async () => void (await redis.client().flushall()));

const lockKey = (key: string) => new RemoteLayout("").lock(key);
const metadata: EntryMetadata = {
  v: 1,
  kind: "result",
  name: "load",
  file: "src/load.ts",
  line: 1,
  hash: "h",
  created: Date.now(),
};

/** A machine of its own: local store and connection (so its lock is not the other's). */
function machine(mode: "readwrite" | "read" = "readwrite"): TieredStore {
  return new TieredStore(
    storeAt(tempDir()),
    new RemoteStore({ url: redis.url, trust: { kind: "insecure" }, mode, namespace: "", id: `test:${mode}` }),
  );
}

describe("one computation across machines", () => {
  test("a second machine that misses while the first computes waits for its result instead of computing", async () => {
    const [a, b] = [machine(), machine()];
    expect((await a.get("k1")).status).toBe("missing"); // a holds the lock now
    expect(await redis.client().exists(lockKey("k1"))).toBe(1);
    let bDone = false;
    const bRead = b.get("k1").finally(() => (bDone = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bDone).toBe(false);
    await a.put("k1", Buffer.from("result of a"), metadata);
    const read = await bRead;
    expect(read.status).toBe("found");
    expect(read.status === "found" && read.bytes.toString()).toBe("result of a");
    expect(await redis.client().exists(lockKey("k1"))).toBe(0);
  });

  test("a holder that dies releases the lock by expiry: the waiter then takes it and computes", async () => {
    // Long enough that b's lock outlives a loaded machine's pause between taking it and the check below.
    remoteTimings.lockMs = 2000;
    const [dead, b] = [machine(), machine()];
    // Timed from before the dead holder takes its lock: it expires 2 s after that at the earliest.
    const started = performance.now();
    expect((await dead.get("k2")).status).toBe("missing");
    expect((await b.get("k2")).status).toBe("missing");
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1900);
    // b holds it now.
    expect(await redis.client().get(lockKey("k2"))).not.toBeNull();
  });

  test("a read-only machine waits for a writer's lock but never takes one", async () => {
    const [writer, reader] = [machine(), machine("read")];
    expect((await reader.get("k3")).status).toBe("missing");
    expect(await redis.client().exists(lockKey("k3"))).toBe(0);
    expect((await writer.get("k3")).status).toBe("missing");
    const read = reader.get("k3");
    await writer.put("k3", Buffer.from("w"), metadata);
    expect((await read).status).toBe("found");
  });
});
