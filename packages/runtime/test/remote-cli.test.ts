// `cachephant ls --remote` and `clear --remote` on a single node and on a
// 3-node Redis Cluster; the cluster also carries entries both ways.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { main } from "../src/cli.js";
import { cached, makeMeta, tempDir, useRuntime, warnings } from "./helpers.js";
import { currentTieredStore, useRemote, useRemoteEnv } from "./remote-helpers.js";
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from "./redis-server.js";

// Real servers and large transfers: generous on a loaded machine (the bounds that matter are asserted).
vi.setConfig({ testTimeout: 60_000 });

const runtime = useRuntime();
useRemoteEnv();

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** Writes results of two functions (three entries) through the runtime to `url`. */
async function fill(url: string): Promise<void> {
  useRemote(tempDir(), url);
  const hash = randomUUID();
  const load = cached(makeMeta({ name: "loadReport", file: "src/data.ts", hash }), (n: number) => "x".repeat(1000 * n));
  const parse = cached(makeMeta({ name: "parse", file: "src/parse.ts", hash: `${hash}-2` }), (n: number) =>
    Buffer.alloc(3e6, n),
  );
  await load(1);
  await load(2);
  await parse(1);
  await currentTieredStore().settled();
}

describe.each(["single node", "3-node cluster"])("%s", (kind) => {
  let single: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  let url: string;
  beforeAll(async () => {
    if (kind === "single node") url = (single = await startRedis({ password: "cli-secret" })).url;
    else url = (cluster = await startRedisCluster()).url;
  }, 60_000);
  afterAll(async () => {
    await single?.stop();
    await cluster?.stop();
  });

  test("ls --remote: one row per function across the remote, without credentials", async () => {
    process.env.CACHEPHANT_REMOTE = url;
    process.env.CACHEPHANT_REMOTE_INSECURE = "1";
    expect((await cli("clear", "--remote")).code).toBe(0);
    await fill(url);
    const { code, stdout } = await cli("ls", "--remote");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^FUNCTION\s+FILE\s+ENTRIES\s+SIZE\s+LAST USED$/);
    expect(lines[1]).toMatch(/^loadReport\s+src\/data\.ts\s+2\s+3\.0 KB\s/);
    expect(lines[2]).toMatch(/^parse\s+src\/parse\.ts\s+1\s+3\.0 MB\s/);
    expect(lines[3]).toMatch(/^Total: 3 entries, 3\.0 MB in redis:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).not.toContain("cli-secret");

    const json = JSON.parse((await cli("ls", "--remote", "--json")).stdout);
    expect(json.remote).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(json.functions.map((row: { name: string; entries: number }) => [row.name, row.entries])).toEqual([
      ["loadReport", 2],
      ["parse", 1],
    ]);
  });

  test("clear --remote --fn removes one function's entries and chunks; clear --remote the rest", async () => {
    process.env.CACHEPHANT_REMOTE = url;
    process.env.CACHEPHANT_REMOTE_INSECURE = "1";
    expect((await cli("clear", "--remote")).code).toBe(0);
    await fill(url);
    const cleared = await cli("clear", "--remote", "--fn", "parse");
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^Removed 1 entry of parse \(3\.0 MB\) from redis:\/\/127\.0\.0\.1:\d+$/);
    expect((await cli("ls", "--remote", "--json")).stdout).not.toContain('"parse"');

    expect((await cli("clear", "--remote")).stdout).toMatch(/^Removed 2 entries \(3\.0 KB\)/);
    expect((await cli("ls", "--remote")).stdout).toMatch(/^No cached results in redis:\/\/127\.0\.0\.1:\d+$/);
    const nodes = single !== undefined ? [single] : cluster!.nodes;
    for (const node of nodes) expect(await node.client().keys("cachephant:*")).toEqual([]);
  });

  test("an entry written on one machine is read on another", async () => {
    const meta = makeMeta({ hash: randomUUID() });
    useRemote(tempDir(), url);
    await cached(meta, (n: number) => Buffer.alloc(3e6, n))(9);
    await currentTieredStore().settled();
    useRemote(tempDir(), url);
    const reader = cached(meta, (_n: number) => Buffer.alloc(1));
    expect((await reader(9)).equals(Buffer.alloc(3e6, 9))).toBe(true);
    expect(reader.runs).toBe(0);
    expect(warnings(runtime.stderr())).toEqual([]);
  });
});

describe("usage", () => {
  test("prune --remote is refused with the reason: Redis evicts by itself", async () => {
    process.env.CACHEPHANT_REMOTE = "redis://127.0.0.1:6399";
    const { code, stderr } = await cli("prune", "--remote");
    expect(code).toBe(2);
    expect(stderr).toContain("maxmemory-policy allkeys-lru");
  });

  test("--remote without a remote configured exits 2 and says how to set one", async () => {
    const { code, stderr } = await cli("ls", "--remote");
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^cachephant: --remote: no remote is configured; set CACHEPHANT_REMOTE=redis:\/\/host:6379 and its keys/,
    );
  });

  test("an unreachable remote exits 1 without credentials", async () => {
    process.env.CACHEPHANT_REMOTE = "redis://ops:hunter22@127.0.0.1:1";
    process.env.CACHEPHANT_REMOTE_INSECURE = "1";
    const { code, stderr } = await cli("ls", "--remote");
    expect(code).toBe(1);
    expect(stderr).toContain("cannot reach the remote cache redis://127.0.0.1:1");
    expect(stderr).not.toContain("hunter22");
  });
});
