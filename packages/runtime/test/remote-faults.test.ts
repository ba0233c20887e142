// Faults of the remote against real servers: down, unreachable, slow,
// paused, full, refusing auth, killed mid-transfer. Each call returns its
// right result, with one warning, within a bounded extra wait.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test, vi } from "vitest";
import { cached, makeMeta as makeAnyMeta, tempDir, useRuntime, warnings } from "./helpers.js";
import { currentTieredStore, TEST_TIMINGS, useRemote, useRemoteEnv } from "./remote-helpers.js";
import { fillPastMaxmemory, freePort, killingProxy, startRedis, type RedisServer } from "./redis-server.js";

// Real servers and large transfers: generous on a loaded machine (the bounds that matter are asserted).
vi.setConfig({ testTimeout: 60_000 });

const runtime = useRuntime();
useRemoteEnv();

const makeMeta = () => makeAnyMeta({ hash: randomUUID() });

/** Far below the faults' own durations (a 10 s sleep, a paused server): a call that waited for the server would exceed it. */
const BOUND_MS = TEST_TIMINGS.connectMs + TEST_TIMINGS.operationMs + 1500;

const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(options?: Parameters<typeof startRedis>[0]): Promise<RedisServer> {
  const started = await startRedis(options);
  servers.push(started);
  return started;
}

/** Calls a fresh cached function on a fresh machine pointed at `url`; returns its result, runs and the time taken. */
async function callThrough(url: string, value: unknown = { answer: 42 }) {
  useRemote(tempDir(), url);
  const load = cached(makeMeta(), () => value);
  const started = performance.now();
  const result = await load();
  return { result, runs: load.runs, ms: performance.now() - started };
}

function remoteWarnings(): string[] {
  return warnings(runtime.stderr()).filter((line) => line.includes("remote cache"));
}

describe("the remote is down or unreachable", () => {
  test("nothing listening: the right result, one warning, and later calls do not try again for a while", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const first = await callThrough(url);
    expect(first).toMatchObject({ result: { answer: 42 }, runs: 1 });
    expect(first.ms).toBeLessThan(BOUND_MS);
    const second = await callThrough(url, "second");
    expect(second.result).toBe("second");
    expect(remoteWarnings()).toEqual([
      expect.stringMatching(
        /the remote cache redis:\/\/127\.0\.0\.1:\d+ is unreachable or too slow \(connecting: .*ECONNREFUSED.*\); using the local cache only for now/,
      ),
    ]);
  });

  test("an address that never answers (TEST-NET): bounded by the connect deadline", async () => {
    const { result, ms } = await callThrough("redis://192.0.2.1:6379");
    expect(result).toEqual({ answer: 42 });
    expect(ms).toBeLessThan(BOUND_MS);
    expect(remoteWarnings()).toHaveLength(1);
  });

  test("the local tier keeps serving while the remote is down", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    useRemote(tempDir(), url);
    const load = cached(makeMeta(), (x: number) => x * 2);
    expect(await load(4)).toBe(8);
    expect(await load(4)).toBe(8);
    expect(load.runs).toBe(1);
  });
});

describe("the remote is slow", () => {
  test("DEBUG SLEEP: the call gives up on the remote at its deadline and computes", async () => {
    const redis = await server({ args: ["--enable-debug-command", "local"] });
    // Connect first, so the sleep hits a read rather than the connection.
    const warm = await callThrough(redis.url, "warm");
    expect(warm.result).toBe("warm");
    void redis
      .client()
      .call("DEBUG", "SLEEP", "10")
      .catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const load = cached(makeMeta(), () => "computed");
    const started = performance.now();
    expect(await load()).toBe("computed");
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(remoteWarnings()).toEqual([
      expect.stringContaining("is unreachable or too slow (reading an entry: no answer within 400 ms)"),
    ]);
  }, 20_000);

  test("a paused server (SIGSTOP): bounded wait, the right result, one warning", async () => {
    const redis = await server();
    redis.pause();
    try {
      const first = await callThrough(redis.url);
      expect(first).toMatchObject({ result: { answer: 42 }, runs: 1 });
      expect(first.ms).toBeLessThan(BOUND_MS);
      const second = await callThrough(redis.url, [1]);
      expect(second.result).toEqual([1]);
      expect(second.ms).toBeLessThan(BOUND_MS);
      expect(remoteWarnings()).toHaveLength(1);
    } finally {
      redis.resume();
    }
  });
});

describe("the remote is full or refuses us", () => {
  test("maxmemory with noeviction: writes are refused with one warning, reads go on", async () => {
    const redis = await server();
    useRemote(tempDir(), redis.url);
    const smallMeta = makeMeta();
    const small = cached(smallMeta, () => "small");
    await small();
    await currentTieredStore().settled();
    await fillPastMaxmemory(redis);

    const big = cached(makeMeta(), () => Buffer.alloc(5e6, 7));
    expect((await big()).length).toBe(5e6);
    await currentTieredStore().settled();
    expect(remoteWarnings()).toEqual([
      expect.stringMatching(
        /the remote cache redis:\/\/127\.0\.0\.1:\d+ is full \(.*OOM.*\); results are not written to it for now/,
      ),
    ]);

    // Another machine still reads what fit.
    useRemote(tempDir(), redis.url);
    const reader = cached(smallMeta, () => "recomputed");
    expect(await reader()).toBe("small");
  });

  test("a wrong password: the right result, one warning without the password", async () => {
    const redis = await server({ password: "right-password" });
    const first = await callThrough(redis.url.replace("right-password", "wrong-password"));
    expect(first.result).toEqual({ answer: 42 });
    expect(first.ms).toBeLessThan(BOUND_MS);
    expect(remoteWarnings()).toEqual([expect.stringContaining("refused the credentials")]);
    expect(runtime.stderr().join("\n")).not.toContain("wrong-password");
  });

  test("no password where one is required: the right result, one warning", async () => {
    const redis = await server({ password: "right-password" });
    const first = await callThrough(redis.url.replace(":right-password@", ""));
    expect(first.result).toEqual({ answer: 42 });
    expect(remoteWarnings()).toEqual([expect.stringMatching(/refused the credentials \(.*NOAUTH/)]);
  });
});

describe("the remote is killed mid-transfer", () => {
  test("killed while sending a large entry: the call computes it, one warning", async () => {
    const redis = await server();
    const meta = makeMeta();
    useRemote(tempDir(), redis.url);
    await cached(meta, () => Buffer.alloc(20e6, 3))();
    await currentTieredStore().settled();

    // A reader through a proxy that kills the server after 2 MB of its reply.
    const proxy = await killingProxy(redis, "reply");
    try {
      useRemote(tempDir(), `redis://127.0.0.1:${proxy.port}`);
      const reader = cached(meta, () => Buffer.alloc(20e6, 3));
      const started = performance.now();
      expect((await reader()).equals(Buffer.alloc(20e6, 3))).toBe(true);
      expect(reader.runs).toBe(1);
      // Not the deadline: a closed connection fails at once (this bound only tells a hang).
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(proxy.killed()).toBe(true);
      expect(remoteWarnings()).toEqual([expect.stringContaining("is unreachable or too slow")]);
    } finally {
      proxy.close();
    }
  });

  test("killed while receiving a large write: the caller has its result, one warning", async () => {
    const redis = await server();
    const proxy = await killingProxy(redis, "request");
    try {
      const { result, runs } = await callThrough(`redis://127.0.0.1:${proxy.port}`, Buffer.alloc(20e6, 5));
      expect((result as Buffer).equals(Buffer.alloc(20e6, 5))).toBe(true);
      expect(runs).toBe(1);
      await currentTieredStore().settled();
      expect(proxy.killed()).toBe(true);
      expect(remoteWarnings()).toEqual([expect.stringContaining("is unreachable or too slow (writing an entry")]);
    } finally {
      proxy.close();
    }
  });
});
