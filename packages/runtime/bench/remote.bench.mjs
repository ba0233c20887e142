/**
 * The remote tier against Redis on loopback (a redis-server this bench
 * starts on a free port and stops):
 *
 * - a remote hit (local miss, remote `GET`, verify, decode) of ~1 KB and of
 *   10 MB, against a bare `GET` of the same number of bytes with the same
 *   client library and options (SPEC: at most 3x for 1 KB);
 * - the extra cost on a miss of writing both tiers, against a miss that
 *   writes the local store only.
 *
 *   pnpm --filter @cachephant/runtime build
 *   node packages/runtime/bench/remote.bench.mjs [--runs 300] [--trust ed25519|hmac|insecure]
 *
 * `--trust`: how entries are signed and checked (default ed25519, the
 * documented setup: the hit verifies an Ed25519 signature).
 *
 * Runs against the built `dist`. Medians; no assertion: numbers to read.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import cacache from "cacache";
import { Redis } from "ioredis";
import { configure, runCached } from "../dist/index.js";

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "300" }, trust: { type: "string", default: "ed25519" } },
});
const RUNS = Number(args.runs);
const root = mkdtempSync(join(tmpdir(), "cachephant-remote-bench-"));

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const server = spawn(
  "redis-server",
  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", root],
  {
    stdio: "ignore",
  },
);
// The runtime's client library with the runtime's options (src/remote/client.ts).
const client = new Redis({
  port,
  host: "127.0.0.1",
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
client.on("error", () => {}); // refused while the server starts
process.on("exit", () => server.kill("SIGKILL")); // whatever happens below
for (let i = 0; ; i++) {
  try {
    await client.connect();
    break;
  } catch (error) {
    if (i > 100) throw new Error("redis-server did not start", { cause: error });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

process.env.CACHEPHANT_REMOTE = `redis://127.0.0.1:${port}`;
if (args.trust === "ed25519") {
  const { privateKey } = generateKeyPairSync("ed25519");
  process.env.CACHEPHANT_REMOTE_SIGNING_KEY = privateKey.export({ type: "pkcs8", format: "pem" });
} else if (args.trust === "hmac") process.env.CACHEPHANT_REMOTE_KEY = "bench-key";
else if (args.trust === "insecure") process.env.CACHEPHANT_REMOTE_INSECURE = "1";
else throw new Error(`--trust ${args.trust}: use ed25519, hmac or insecure`);
let dirs = 0;
/** A new machine: a local store of its own, empty. */
const freshLocal = () => configure({ dir: join(root, `local-${dirs++}`) });

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** Medians of `fns`, run in turns (so load on the machine hits all alike). */
async function time(fns, runs = RUNS) {
  const samples = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, fn] of fns.entries()) {
      await fn.prepare?.();
      const started = performance.now();
      await fn();
      samples[j].push(performance.now() - started);
      await settle(); // background writes (the local fill) finish outside the timing
    }
  }
  return samples.map(median);
}

const meta = (name) => ({ hash: `bench-${name}`, name, file: "bench/remote.bench.mjs", line: 1, paths: ["args[0]"] });

async function remoteHit(label, value, runs) {
  await client.flushall();
  const m = meta(label);
  freshLocal();
  await runCached(m, [1], async () => value);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the remote write
  // The bytes the hit reads: the entry's head and its chunks, if any.
  const keys = await client.keys("cachephant:r2:{*}*");
  const sizes = await Promise.all(keys.filter((key) => !key.endsWith(":lock")).map((key) => client.strlen(key)));
  const bytes = sizes.reduce((a, b) => a + b, 0);
  await client.set("bench:bare", Buffer.alloc(bytes, 1));

  let computed = 0;
  const hitFn = async () => {
    const result = await runCached(m, [1], async () => {
      computed += 1;
      return value;
    });
    return result;
  };
  hitFn.prepare = freshLocal;
  // The local tier's part of a remote hit: its miss, as the local store (cacache) looks it up.
  const emptyStore = join(root, "empty");
  const localMiss = () => cacache.get.info(emptyStore, "cachephant:v1:bench");
  const [bare, hit, local] = await time([() => client.getBuffer("bench:bare"), hitFn, localMiss], runs);
  if (computed > 0) throw new Error(`${label}: ${computed} calls computed instead of hitting the remote`);
  return { label, bytes, bare, hit, local };
}

async function missExtra(runs) {
  let n = 0;
  const m = meta("miss");
  const missFn = () => runCached(m, [n++], async () => "x".repeat(1000));
  freshLocal();
  delete process.env.CACHEPHANT_REMOTE;
  configure({});
  const local = () => {
    delete process.env.CACHEPHANT_REMOTE;
    configure({});
  };
  const remote = () => {
    process.env.CACHEPHANT_REMOTE = `redis://127.0.0.1:${port}`;
    configure({});
  };
  const localMiss = () => missFn();
  localMiss.prepare = local;
  const bothMiss = () => missFn();
  bothMiss.prepare = remote;
  const [localOnly, both] = await time([localMiss, bothMiss], runs);
  return { localOnly, both };
}

const ms = (value) => `${(value * 1000).toFixed(0)} µs`;
try {
  const small = await remoteHit("hit-1KB", "x".repeat(1000), RUNS);
  const large = await remoteHit("hit-10MB", Buffer.alloc(10e6, 3), Math.max(20, Math.floor(RUNS / 15)));
  const miss = await missExtra(RUNS);
  console.log(`Remote tier, Redis on loopback, ${args.trust} entries (medians, ${RUNS} runs)`);
  for (const row of [small, large]) {
    console.log(
      `  ${row.label.padEnd(9)} remote hit ${ms(row.hit).padStart(10)}   bare GET of ${row.bytes} bytes ${ms(row.bare).padStart(10)}   ratio ${(row.hit / row.bare).toFixed(2)}x` +
        `   (local miss ${ms(row.local)}; without it ${((row.hit - row.local) / row.bare).toFixed(2)}x)`,
    );
  }
  console.log(
    `  miss 1 KB  local only ${ms(miss.localOnly).padStart(10)}   both tiers ${ms(miss.both).padStart(10)}   extra ${ms(miss.both - miss.localOnly)} (${(miss.both / miss.localOnly).toFixed(2)}x)`,
  );
} finally {
  client.disconnect();
  server.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
}
