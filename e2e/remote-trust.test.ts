// The remote tier's trust model end to end: keys made by `cachephant remote
// keygen`, a CI project that signs, a laptop project that holds only the
// public key, each built with esbuild and the plugin and run in a process of
// its own against a real Redis (single node and a 3-node cluster); the
// CLI's ls and clear --remote per namespace, conflicts included.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CLI_PATH, Project, type RunOutput } from "./helpers/project.js";
import { startRedis, startRedisCluster, type RedisServer } from "../packages/runtime/test/redis-server.js";

const exec = promisify(execFile);

const LIB = `import { countRun } from "./runs";
export async function square(n: number): Promise<number> {
  "use cache";
  countRun("square");
  return n * n;
}
export async function blob(mb: number): Promise<Buffer> {
  "use cache";
  countRun("blob");
  return Buffer.alloc(mb * 1e6, mb);
}
export async function random(): Promise<number> {
  "use cache";
  countRun("random");
  return Math.random();
}
`;
const SCENARIO = `import { blob, random, square } from "./lib";
export async function scenario() {
  if (process.env.E2E_RANDOM) return [await random()];
  if (process.env.E2E_BLOB_MB) {
    const bytes = await blob(Number(process.env.E2E_BLOB_MB));
    return [bytes.length, bytes[0], bytes.at(-1)];
  }
  return [await square(Number(process.env.E2E_N ?? 3))];
}
`;

let redis: RedisServer;
let ci: Project;
let laptop: Project;
let keys: { dir: string; private: string; public: string; otherPublic: string };

beforeAll(async () => {
  redis = await startRedis();
  [ci, laptop] = [Project.create("esbuild"), Project.create("esbuild")];
  for (const project of [ci, laptop]) project.write("src/lib.ts", LIB).write("src/scenario.ts", SCENARIO);
  await Promise.all([ci.build(), laptop.build()]);
  const dir = mkdtempSync(join(tmpdir(), "cachephant-e2e-keys-"));
  await cli(["remote", "keygen", "--out", join(dir, "team")]);
  await cli(["remote", "keygen", "--out", join(dir, "other")]);
  keys = {
    dir,
    private: join(dir, "team", "cachephant-remote.key"),
    public: join(dir, "team", "cachephant-remote.pub"),
    otherPublic: join(dir, "other", "cachephant-remote.pub"),
  };
});
afterAll(async () => {
  await redis?.stop();
  ci?.remove();
  laptop?.remove();
});
beforeEach(async () => void (await redis.client().flushall()));

const BLANK = {
  CACHEPHANT_REMOTE_KEY: "",
  CACHEPHANT_REMOTE_MODE: "",
  CACHEPHANT_REMOTE_SIGNING_KEY: "",
  CACHEPHANT_REMOTE_TRUSTED_KEYS: "",
  CACHEPHANT_REMOTE_NAMESPACE: "",
  CACHEPHANT_REMOTE_INSECURE: "",
};

/** Runs `project` with a fresh local store against `url`. */
function run(project: Project, url: string, env: NodeJS.ProcessEnv = {}): Promise<RunOutput> {
  return project.run({
    CACHEPHANT_DIR: mkdtempSync(join(tmpdir(), "cachephant-e2e-local-")),
    CACHEPHANT_REMOTE: url,
    ...BLANK,
    ...env,
  });
}

/** The built `cachephant` bin, as a user runs it; never rejects. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI_PATH, ...args], {
      env: { ...process.env, ...BLANK, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const warningsOf = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("cachephant: "));
const signer = () => ({ CACHEPHANT_REMOTE_SIGNING_KEY: keys.private });
const reader = () => ({ CACHEPHANT_REMOTE_TRUSTED_KEYS: keys.public });

describe("cachephant remote keygen", () => {
  test("writes a key pair, the private key owner-only, and never overwrites one", async () => {
    expect(statSync(keys.private).mode & 0o777).toBe(0o600);
    expect(readFileSync(keys.private, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(keys.public, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const before = readFileSync(keys.private, "utf8");
    const again = await cli(["remote", "keygen", "--out", join(keys.dir, "team")]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("cachephant-remote.key exists; keygen never overwrites a key");
    expect(readFileSync(keys.private, "utf8")).toBe(before);
  });
});

describe("Ed25519 on a single node", () => {
  test("a laptop with only the public key reads CI's entries and writes nothing", async () => {
    expect(await run(ci, redis.url, signer())).toMatchObject({ result: [9], runs: { square: 1 } });
    const written = await redis.client().keys("cachephant:*");
    expect(written).toHaveLength(1);
    const hit = await run(laptop, redis.url, reader());
    expect(hit).toMatchObject({ result: [9], runs: {} });
    expect(warningsOf(hit.stderr)).toEqual([]);
    const own = await run(laptop, redis.url, { ...reader(), E2E_N: "5" });
    expect(own).toMatchObject({ result: [25], runs: { square: 1 } });
    expect(await redis.client().keys("cachephant:*")).toEqual(written);
  });

  test("a reader that trusts another key refuses CI's entries and computes, with one warning", async () => {
    await run(ci, redis.url, signer());
    const refused = await run(laptop, redis.url, { CACHEPHANT_REMOTE_TRUSTED_KEYS: keys.otherPublic });
    expect(refused).toMatchObject({ result: [9], runs: { square: 1 } });
    expect(warningsOf(refused.stderr)).toEqual([
      expect.stringMatching(
        /was refused: it is signed by key [0-9a-f]{16}, which is not among CACHEPHANT_REMOTE_TRUSTED_KEYS/,
      ),
    ]);
  });

  test("without any key the remote is not used, with one warning naming the settings; the insecure opt-in uses it", async () => {
    const keyless = await run(ci, redis.url);
    expect(keyless).toMatchObject({ result: [9], runs: { square: 1 } });
    expect(warningsOf(keyless.stderr)).toEqual([
      expect.stringContaining("is not used: no key says whose entries to trust"),
    ]);
    expect(await redis.client().dbsize()).toBe(0);
    await run(ci, redis.url, { CACHEPHANT_REMOTE_INSECURE: "1" });
    expect(await run(laptop, redis.url, { CACHEPHANT_REMOTE_INSECURE: "1" })).toMatchObject({ result: [9], runs: {} });
  });

  test("a different result for an existing key is kept out, warned, and listed by ls --remote", async () => {
    const first = await run(ci, redis.url, { ...signer(), E2E_RANDOM: "1" });
    const second = await run(ci, redis.url, { ...signer(), E2E_RANDOM: "1", CACHEPHANT: "refresh" });
    expect(second.result).not.toEqual(first.result);
    expect(warningsOf(second.stderr)).toEqual([
      expect.stringContaining("holds another result of random (src/lib.ts) for the same key"),
    ]);
    expect(await run(laptop, redis.url, { ...reader(), E2E_RANDOM: "1" })).toMatchObject({
      result: first.result,
      runs: {},
    });

    const ls = await cli(["ls", "--remote"], { CACHEPHANT_REMOTE: redis.url, ...reader() });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(
      /Conflicts \(1\): a write found another result stored for the same key; the stored one was kept\./,
    );
    expect(ls.stdout).toMatch(/\n {2}\d{4}-\d\d-\d\dT\S+ {2}random \(src\/lib\.ts\) {2}key \S+/);
    const json = JSON.parse(
      (await cli(["ls", "--remote", "--json"], { CACHEPHANT_REMOTE: redis.url, ...reader() })).stdout,
    );
    expect(json).toMatchObject({ signature: "ed25519", conflicts: [{ name: "random", file: "src/lib.ts" }] });
  });

  test("namespaces keep entries apart, and clear --remote acts on one namespace", async () => {
    await run(ci, redis.url, { ...signer(), CACHEPHANT_REMOTE_NAMESPACE: "main" });
    const other = await run(laptop, redis.url, { ...reader(), CACHEPHANT_REMOTE_NAMESPACE: "feature/x" });
    expect(other.runs).toEqual({ square: 1 });
    await run(ci, redis.url, { ...signer(), CACHEPHANT_REMOTE_NAMESPACE: "feature/x", E2E_N: "4" });

    const env = { CACHEPHANT_REMOTE: redis.url, ...reader() };
    const listed = await cli(["ls", "--remote"], { ...env, CACHEPHANT_REMOTE_NAMESPACE: "main" });
    expect(listed.stdout).toMatch(/Total: 1 entry, .* in redis:\/\/127\.0\.0\.1:\d+ \(namespace main\)/);
    const cleared = await cli(["clear", "--remote"], { ...env, CACHEPHANT_REMOTE_NAMESPACE: "feature/x" });
    expect(cleared.stdout).toMatch(/^Removed 1 entry .* \(namespace feature\/x\)/);
    expect(await redis.client().keys("cachephant:*")).toEqual([expect.stringMatching(/^cachephant:r2:main:\{/)]);
    expect(await run(laptop, redis.url, { ...reader(), CACHEPHANT_REMOTE_NAMESPACE: "main" })).toMatchObject({
      runs: {},
    });
  });
});

describe("forged entries and rotation", () => {
  const heads = async () => (await redis.client().keys("cachephant:r2:{*}")).filter((key) => key.endsWith("}"));

  test("a truncated signature, an entry replayed under another key, a chunk swapped between entries: each a miss and a warning, never a value", async () => {
    await run(ci, redis.url, { ...signer(), E2E_N: "3" });
    const [three] = await heads();
    await run(ci, redis.url, { ...signer(), E2E_N: "4" });
    const four = (await heads()).find((key) => key !== three)!;
    const client = redis.client();
    const original = (await client.getBuffer(three!))!;

    // Replayed: 3's entry under 4's key.
    await client.set(four, original);
    const replayed = await run(laptop, redis.url, { ...reader(), E2E_N: "4" });
    expect(replayed).toMatchObject({ result: [16], runs: { square: 1 } });
    expect(warningsOf(replayed.stderr)).toEqual([
      expect.stringContaining("was refused: its signature does not verify"),
    ]);

    // Truncated: the 64-byte signature cut to 32 bytes.
    const tagAt = 8 + original.readUInt32BE(4);
    await client.set(three!, Buffer.concat([original.subarray(0, tagAt + 32), original.subarray(tagAt + 64)]));
    const truncated = await run(laptop, redis.url, { ...reader(), E2E_N: "3" });
    expect(truncated).toMatchObject({ result: [9], runs: { square: 1 } });
    expect(warningsOf(truncated.stderr)).toEqual([
      expect.stringMatching(/was refused: (it is truncated|its content has the wrong size)/),
    ]);

    // Swapped: the second chunk (a full 1 MiB) of a 3 MB entry replaced by the second chunk of a 4 MB one.
    await run(ci, redis.url, { ...signer(), E2E_BLOB_MB: "3" });
    await run(ci, redis.url, { ...signer(), E2E_BLOB_MB: "4" });
    const chunks = (await client.keys("cachephant:r2:{*}:*:1")).sort();
    expect(chunks).toHaveLength(2);
    const [a, b] = chunks as [string, string];
    await client.set(a, (await client.getBuffer(b))!);
    const swapped = await Promise.all([
      run(laptop, redis.url, { ...reader(), E2E_BLOB_MB: "3" }),
      run(laptop, redis.url, { ...reader(), E2E_BLOB_MB: "4" }),
    ]);
    const refusedOne = swapped.filter((output) => output.runs.blob === 1);
    expect(refusedOne).toHaveLength(1);
    expect(warningsOf(refusedOne[0]!.stderr)).toEqual([
      expect.stringContaining("was refused: its content does not match the hash in its header"),
    ]);
    expect(swapped.map((output) => output.result)).toEqual([
      [3e6, 3, 3],
      [4e6, 4, 4],
    ]);
  });

  test("rotation: a reader trusting the old and the new key takes both; once the old one is dropped, its entries are computed", async () => {
    await run(ci, redis.url, { ...signer(), E2E_N: "3" });
    const next = mkdtempSync(join(tmpdir(), "cachephant-e2e-keys-"));
    expect((await cli(["remote", "keygen", "--out", next])).code).toBe(0);
    await run(ci, redis.url, { CACHEPHANT_REMOTE_SIGNING_KEY: join(next, "cachephant-remote.key"), E2E_N: "4" });
    const both = { CACHEPHANT_REMOTE_TRUSTED_KEYS: `${keys.public},${join(next, "cachephant-remote.pub")}` };
    expect(await run(laptop, redis.url, { ...both, E2E_N: "3" })).toMatchObject({ result: [9], runs: {} });
    expect(await run(laptop, redis.url, { ...both, E2E_N: "4" })).toMatchObject({ result: [16], runs: {} });
    const rotated = await run(laptop, redis.url, {
      CACHEPHANT_REMOTE_TRUSTED_KEYS: join(next, "cachephant-remote.pub"),
      E2E_N: "3",
    });
    expect(rotated).toMatchObject({ result: [9], runs: { square: 1 } });
    expect(warningsOf(rotated.stderr)).toEqual([
      expect.stringContaining("which is not among CACHEPHANT_REMOTE_TRUSTED_KEYS"),
    ]);
  });
});

describe("settings in package.json", () => {
  test("a project whose package.json names the remote, the public key and the namespace reads CI's entries; a private key there is refused", async () => {
    await run(ci, redis.url, { ...signer(), CACHEPHANT_REMOTE_NAMESPACE: "shared" });
    const manifest = laptop.read("package.json");
    laptop.write(".cachephant/cachephant-remote.pub", readFileSync(keys.public, "utf8"));
    const settings = {
      remote: redis.url,
      remoteTrustedKeys: [".cachephant/cachephant-remote.pub"],
      remoteNamespace: "shared",
    };
    try {
      laptop.write("package.json", JSON.stringify({ ...JSON.parse(manifest), cachephant: settings }));
      const hit = await run(laptop, redis.url, { CACHEPHANT_REMOTE: "" });
      expect(hit).toMatchObject({ result: [9], runs: {} });
      expect(warningsOf(hit.stderr)).toEqual([]);

      const secret = readFileSync(keys.private, "utf8");
      laptop.write(
        "package.json",
        JSON.stringify({ ...JSON.parse(manifest), cachephant: { ...settings, remoteSigningKey: secret } }),
      );
      const refused = await run(laptop, redis.url, { CACHEPHANT_REMOTE: "", E2E_N: "6" });
      expect(refused).toMatchObject({ result: [36], runs: { square: 1 } });
      expect(warningsOf(refused.stderr)).toEqual([
        expect.stringContaining(
          'package.json "cachephant": { "remoteSigningKey": … }: a private key never goes in settings; set CACHEPHANT_REMOTE_SIGNING_KEY',
        ),
      ]);
      expect(refused.stderr).not.toContain("PRIVATE KEY");
      expect(await redis.client().keys("cachephant:r2:shared:*")).toHaveLength(1);
    } finally {
      laptop.write("package.json", manifest);
    }
  });
});

describe("Ed25519 on a 3-node Redis Cluster", () => {
  test("CI signs, the laptop reads with the public key; an untrusted reader computes; clear --remote empties one namespace", async () => {
    const cluster = await startRedisCluster();
    try {
      const ns = { CACHEPHANT_REMOTE_NAMESPACE: "main" };
      expect(await run(ci, cluster.url, { ...signer(), ...ns })).toMatchObject({ runs: { square: 1 } });
      expect(await run(ci, cluster.url, { ...signer(), ...ns, E2E_N: "4" })).toMatchObject({ runs: { square: 1 } });
      const hit = await run(laptop, cluster.url, { ...reader(), ...ns });
      expect(hit).toMatchObject({ result: [9], runs: {} });
      expect(warningsOf(hit.stderr)).toEqual([]);
      const refused = await run(laptop, cluster.url, { CACHEPHANT_REMOTE_TRUSTED_KEYS: keys.otherPublic, ...ns });
      expect(refused.runs).toEqual({ square: 1 });
      expect(warningsOf(refused.stderr)).toEqual([
        expect.stringContaining("which is not among CACHEPHANT_REMOTE_TRUSTED_KEYS"),
      ]);

      const env = { CACHEPHANT_REMOTE: cluster.url, ...reader() };
      expect((await cli(["clear", "--remote"], { ...env, CACHEPHANT_REMOTE_NAMESPACE: "other" })).stdout).toMatch(
        /^Removed 0 entries/,
      );
      expect((await cli(["clear", "--remote"], { ...env, ...ns })).stdout).toMatch(/^Removed 2 entries/);
      for (const node of cluster.nodes) expect(await node.client().keys("cachephant:*")).toEqual([]);
    } finally {
      await cluster.stop();
    }
  });
});
