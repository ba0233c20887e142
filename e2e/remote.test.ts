// The remote tier end to end: two user projects, each built with esbuild and
// the plugin, each with its own local store, one Redis; every program runs in
// a process of its own. The second project's first run is served from the
// remote; each fault of the remote gives the right result, one warning and a
// bounded wait; a tampered entry is refused.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Project, type RunOutput } from "./helpers/project.js";
import {
  fillPastMaxmemory,
  freePort,
  killingProxy,
  startRedis,
  startRedisCluster,
  type RedisServer,
} from "../packages/runtime/test/redis-server.js";

// `blob(mb)` returns mb megabytes (the scenario prints their size, first and last byte); 0 keeps a run small.
const LIB = `import { countRun } from "./runs";
export async function square(n: number): Promise<number> {
  "use cache";
  countRun("square");
  return n * n;
}
export async function slow(ms: number): Promise<string> {
  "use cache";
  countRun("slow");
  await new Promise((resolve) => setTimeout(resolve, ms));
  return "computed once";
}
export async function random(): Promise<number> {
  "use cache";
  countRun("random");
  return Math.random();
}
export async function blob(mb: number): Promise<Buffer> {
  "use cache";
  countRun("blob");
  return Buffer.alloc(mb * 1e6, 7);
}
`;
const SCENARIO = `import { blob, random, slow, square } from "./lib";
export async function scenario() {
  if (process.env.E2E_SLOW_MS) return [await slow(Number(process.env.E2E_SLOW_MS))];
  if (process.env.E2E_RANDOM) return [await random()];
  const bytes = await blob(Number(process.env.E2E_BLOB_MB ?? 0));
  return [await square(3), await square(4), [bytes.length, bytes[0] ?? 0, bytes.at(-1) ?? 0]];
}
`;
const SMALL = [9, 16, [0, 0, 0]];
/** The longest a run may take with a faulty remote (a 1 s connect and a 1 s read deadline, plus node's start on a loaded machine), far under the faults' own 30 s. */
const BOUND_MS = 12_000;

let redis: RedisServer;
let first: Project;
let second: Project;

beforeAll(async () => {
  redis = await startRedis({ args: ["--enable-debug-command", "local"] });
  [first, second] = [Project.create("esbuild"), Project.create("esbuild")];
  for (const project of [first, second]) project.write("src/lib.ts", LIB).write("src/scenario.ts", SCENARIO);
  await Promise.all([first.build(), second.build()]);
});
afterAll(async () => {
  await redis?.stop();
  first?.remove();
  second?.remove();
});
beforeEach(async () => void (await redis.client().flushall()));

/** Runs `project` with a fresh local store against `url`; returns its output and wall time. */
async function run(project: Project, url: string, env: NodeJS.ProcessEnv = {}): Promise<RunOutput & { ms: number }> {
  const started = performance.now();
  const output = await project.run({
    CACHEPHANT_DIR: mkdtempSync(join(tmpdir(), "cachephant-e2e-local-")),
    CACHEPHANT_REMOTE: url,
    CACHEPHANT_REMOTE_KEY: "",
    CACHEPHANT_REMOTE_MODE: "",
    CACHEPHANT_REMOTE_SIGNING_KEY: "",
    CACHEPHANT_REMOTE_TRUSTED_KEYS: "",
    CACHEPHANT_REMOTE_NAMESPACE: "",
    // Unsigned entries unless a test gives keys (`CACHEPHANT_REMOTE_INSECURE: ""` turns it off).
    CACHEPHANT_REMOTE_INSECURE: "1",
    ...env,
  });
  return { ...output, ms: performance.now() - started };
}

const warningsOf = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("cachephant: "));

describe("two projects, one Redis", () => {
  test("the second project's first run is served from the remote, and fills its local store", async () => {
    const a = await run(first, redis.url);
    expect(a).toMatchObject({ result: SMALL, runs: { square: 2, blob: 1 } });
    const localDir = mkdtempSync(join(tmpdir(), "cachephant-e2e-local-"));
    const b = await run(second, redis.url, { CACHEPHANT_DIR: localDir });
    expect(b.result).toEqual(SMALL);
    expect(b.runs).toEqual({});
    expect(warningsOf(b.stderr)).toEqual([]);

    // Its local store has the results now: served with the remote gone.
    const offline = await run(second, `redis://127.0.0.1:${await freePort()}`, { CACHEPHANT_DIR: localDir });
    expect(offline.runs).toEqual({});
    expect(offline.result).toEqual(SMALL);
  });

  test("a 12 MB result is shared in chunks", async () => {
    expect((await run(first, redis.url, { E2E_BLOB_MB: "12" })).runs).toMatchObject({ blob: 1 });
    const b = await run(second, redis.url, { E2E_BLOB_MB: "12" });
    expect(b.result).toEqual([9, 16, [12e6, 7, 7]]);
    expect(b.runs).toEqual({});
  });

  test("HMAC-signed entries are shared between machines with the key; a tampered one is refused", async () => {
    const key = { CACHEPHANT_REMOTE_KEY: "team-key" };
    await run(first, redis.url, key);
    expect((await run(second, redis.url, key)).runs).toEqual({});

    const client = redis.client();
    const heads = (await client.keys("cachephant:r2:{*}")).filter((name) => name.endsWith("}"));
    expect(heads).toHaveLength(3);
    for (const head of heads) {
      const bytes = (await client.getBuffer(head))!;
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
      await client.set(head, bytes);
    }
    const tampered = await run(second, redis.url, key);
    expect(tampered.result).toEqual(SMALL);
    expect(tampered.runs).toEqual({ square: 2, blob: 1 });
    expect(warningsOf(tampered.stderr)).toEqual([
      expect.stringContaining("was refused: its content does not match the hash in its header"),
    ]);
  });

  test("a read-only machine reads what another wrote and writes nothing", async () => {
    const laptop = await run(second, redis.url, { CACHEPHANT_REMOTE_MODE: "read" });
    expect(laptop.runs).toEqual({ square: 2, blob: 1 });
    expect(await redis.client().dbsize()).toBe(0);
    await run(first, redis.url);
    expect((await run(second, redis.url, { CACHEPHANT_REMOTE_MODE: "read" })).runs).toEqual({});
  });

  test("two processes that miss the same entry at once compute it once (a lock in Redis)", async () => {
    const env = { E2E_SLOW_MS: "1500" };
    const [a, b] = await Promise.all([run(first, redis.url, env), run(second, redis.url, env)]);
    expect(a.result).toEqual(["computed once"]);
    expect(b.result).toEqual(["computed once"]);
    expect((a.runs.slow ?? 0) + (b.runs.slow ?? 0)).toBe(1);
    expect(await redis.client().keys("*:lock")).toEqual([]);
  });

  test("a healthy, idle connection does not keep the process from exiting", async () => {
    await run(first, redis.url);
    const hit = await run(second, redis.url);
    expect(hit.runs).toEqual({});
    expect(hit.ms).toBeLessThan(BOUND_MS);
  });
});

describe("Redis Cluster", () => {
  test("on a 3-node cluster too, the second project's first run is served from the remote, and each process exits", async () => {
    const cluster = await startRedisCluster();
    try {
      const a = await run(first, cluster.url, { E2E_BLOB_MB: "3" });
      expect(a.runs).toEqual({ square: 2, blob: 1 });
      const b = await run(second, cluster.url, { E2E_BLOB_MB: "3" });
      expect(b.result).toEqual([9, 16, [3e6, 7, 7]]);
      expect(b.runs).toEqual({});
      expect(warningsOf(b.stderr)).toEqual([]);
      expect(b.ms).toBeLessThan(BOUND_MS);
    } finally {
      await cluster.stop();
    }
  });
});

describe("faults: the right result, one warning, a bounded wait, a clean exit", () => {
  async function expectDegraded(output: RunOutput & { ms: number }, warning: RegExp): Promise<void> {
    expect(output.result).toEqual(SMALL);
    expect(output.runs).toEqual({ square: 2, blob: 1 });
    expect(output.ms).toBeLessThan(BOUND_MS);
    expect(warningsOf(output.stderr)).toEqual([expect.stringMatching(warning)]);
  }

  test("down: nothing listens on the port", async () => {
    await expectDegraded(
      await run(first, `redis://127.0.0.1:${await freePort()}`),
      /is unreachable or too slow \(connecting: .*ECONNREFUSED/,
    );
  });

  test("paused with SIGSTOP", async () => {
    const paused = await startRedis();
    paused.pause();
    try {
      await expectDegraded(await run(first, paused.url), /is unreachable or too slow/);
    } finally {
      await paused.stop();
    }
  });

  test("slow: DEBUG SLEEP 30", async () => {
    const sleeper = await startRedis({ args: ["--enable-debug-command", "local"] });
    try {
      void sleeper
        .client()
        .call("DEBUG", "SLEEP", "30")
        .catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expectDegraded(await run(first, sleeper.url), /is unreachable or too slow/);
    } finally {
      await sleeper.stop();
    }
  });

  test("full: maxmemory with noeviction refuses the write", async () => {
    const full = await startRedis();
    try {
      await fillPastMaxmemory(full);
      const output = await run(first, full.url, { E2E_BLOB_MB: "4" });
      expect(output.result).toEqual([9, 16, [4e6, 7, 7]]);
      expect(output.ms).toBeLessThan(BOUND_MS);
      expect(warningsOf(output.stderr)).toEqual([expect.stringMatching(/is full \(OOM command not allowed/)]);
    } finally {
      await full.stop();
    }
  });

  test("auth refused: a wrong password, never printed", async () => {
    const guarded = await startRedis({ password: "the-right-one" });
    try {
      const output = await run(first, guarded.url.replace("the-right-one", "not-the-one"), { CACHEPHANT_DEBUG: "1" });
      await expectDegraded(output, /refused the credentials \(WRONGPASS/);
      expect(output.stderr).not.toContain("not-the-one");
    } finally {
      await guarded.stop();
    }
  });

  test("killed mid-transfer while serving a large entry", async () => {
    const victim = await startRedis();
    try {
      const writer = await run(first, victim.url, { E2E_BLOB_MB: "20" });
      expect(warningsOf(writer.stderr)).toEqual([]);
      const proxy = await killingProxy(victim, "reply");
      try {
        const output = await run(second, `redis://127.0.0.1:${proxy.port}`, { E2E_BLOB_MB: "20" });
        expect(proxy.killed(), JSON.stringify(output)).toBe(true);
        expect(output.result).toEqual([9, 16, [20e6, 7, 7]]);
        expect(output.runs).toMatchObject({ blob: 1 });
        expect(output.ms).toBeLessThan(BOUND_MS);
        expect(warningsOf(output.stderr)).toEqual([expect.stringContaining("is unreachable or too slow")]);
      } finally {
        proxy.close();
      }
    } finally {
      await victim.stop();
    }
  });
});
