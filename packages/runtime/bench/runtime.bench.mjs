// The runtime's store, measured against floors and alternatives in one run
// (ratios; absolute numbers depend on the machine). Runs the built package:
// `pnpm --filter @cachephant/runtime bench` after a build, or `pnpm bench`.
//
// - disk hits of 100 B, 1 KB, 1 MB, 10 MB (the memory tier off): Cachephant beside
//   the floor (readFileSync + v8.deserialize of the same bytes), then beside a
//   plain cacache.get wrapper and memoize-fs, and the wrapper in a round of its own
// - a repeated 1 KB hit from the memory tier, against v8.deserialize of its bytes
// - misses: Cachephant's extra cost (key, encode, lock, write) against
//   cacache.put of the same bytes, a cacache.put wrapper and memoize-fs
// - import + first hit in a fresh process, against a bare `node`
// - the lock's file operations
// - prune, ls and verify of 10,000 and 100,000 entries (time, RSS growth)
// - the RSS growth of a 100 MB hit
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import cacache from "cacache";
import memoizeFs from "memoize-fs";
import { writeStore } from "./store-writer.mjs";

const runtimeEntry = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const { configure, runCached, list, prune, verify } = await import(runtimeEntry);
const quick = process.argv.includes("--quick");
const root = mkdtempSync(join(tmpdir(), "cachephant-bench-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
const lines = [];
const say = (line) => {
  lines.push(line);
  console.log(line);
};

/**
 * Medians of several functions measured round-robin (one call of each per
 * round), so a busy machine slows them alike and their ratios hold.
 */
async function medians(runs, fns) {
  const times = fns.map(() => []);
  for (let i = 0; i < Math.min(20, runs); i++) for (const fn of fns) await fn(-1 - i);
  for (let i = 0; i < runs; i++) {
    for (const [n, fn] of fns.entries()) {
      const start = process.hrtime.bigint();
      await fn(i);
      times[n].push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[list.length >> 1]);
}

/** A result of about `size` serialized bytes: records for small sizes, a long string for large ones. */
function valueOf(size, seed = 0) {
  if (size <= 2000) {
    const rows = [];
    while (v8.serialize({ seed, rows }).length < size - 30) rows.push({ id: rows.length, name: `row-${rows.length}` });
    return { seed, rows };
  }
  return {
    seed,
    text: createHash("sha256")
      .update(String(seed))
      .digest("hex")
      .repeat(Math.ceil(size / 64))
      .slice(0, size),
  };
}

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

say(
  `# Runtime benchmark — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 1e9).toFixed(0)} GB`,
);
say("");
// A call repeated within a second is served from the memory tier: these rows time the disk.
configure({ memorySize: 0 });
say("Hits from disk (the memory tier off):");
say("");
say(
  "| result | Cachephant hit | floor: readFileSync + deserialize | hit / floor | two files read + deserialize | hit / two files | Cachephant hit (beside the libraries) | cacache.get wrapper | hit / cacache.get | cacache.get wrapper, in its own round | hit / cacache.get, each in its own round | memoize-fs hit | memoize-fs / floor |",
);
say("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const sizes = [
  ["100 B", 100],
  ["1 KB", 1000],
  ["1 MB", 1e6],
  ["10 MB", 1e7],
];
const missRows = [];
for (const [label, size] of sizes) {
  const runs = size >= 1e7 ? 15 : size >= 1e6 ? 60 : 1000;
  const dir = join(root, `hits-${size}`);
  const value = valueOf(size);
  const bytes = v8.serialize(value);
  const meta = { hash: "bench", name: "load", file: "bench.ts", line: 1, paths: ["args[0]"], dir, maxSize: "10GB" };
  await runCached(meta, [size], async () => value);
  const floorFile = join(root, `floor-${size}`);
  writeFileSync(floorFile, bytes);
  const cacacheDir = join(root, `cacache-${size}`);
  const cacacheWrapper = async (key, compute) => {
    try {
      return v8.deserialize((await cacache.get(cacacheDir, key)).data);
    } catch (error) {
      if (error.code !== "ENOENT") throw error; // cacache's miss
      const result = await compute();
      await cacache.put(cacacheDir, key, v8.serialize(result));
      return result;
    }
  };
  await cacacheWrapper("k", async () => value);
  const memo = memoizeFs({ cachePath: join(root, `memoize-fs-${size}`) });
  const memoized = await memo.fn(async (n) => ({ ...value, n }));
  await memoized(size);
  // Two rounds: beside the floor alone, then beside the libraries. Their asynchronous reads leave work
  // (promise chains, thread-pool completions) that lands in whichever call is timed next.
  const hit = () => runCached(meta, [size], async () => value);
  // The layout's floor: a hit reads the key's index bucket, then the content.
  const bucketFile = join(root, `bucket-${size}`);
  writeFileSync(bucketFile, "x".repeat(450));
  const [ours, floor, twoFiles] = await medians(runs, [
    hit,
    () => v8.deserialize(readFileSync(floorFile)),
    () => (readFileSync(bucketFile), v8.deserialize(readFileSync(floorFile))),
  ]);
  const [oursBeside, viaCacache, viaMemoizeFs] = await medians(runs, [
    hit,
    () => cacacheWrapper("k", async () => value),
    () => memoized(size),
  ]);
  // And cacache.get in a round of its own, as the hit's first round is: neither pays for the other's leftover work.
  const [viaCacacheAlone] = await medians(runs, [() => cacacheWrapper("k", async () => value)]);

  say(
    `| ${label} | ${fmt(ours)} | ${fmt(floor)} | **${ratio(ours, floor)}** | ${fmt(twoFiles)} | ${ratio(ours, twoFiles)} | ${fmt(oursBeside)} | ${fmt(viaCacache)} | **${ratio(oursBeside, viaCacache)}** | ${fmt(viaCacacheAlone)} | **${ratio(ours, viaCacacheAlone)}** | ${fmt(viaMemoizeFs)} | ${ratio(viaMemoizeFs, floor)} |`,
  );

  // Misses: a new key each time; the compute returns a value at hand, so what is timed is the cache's own cost.
  const missRuns = size >= 1e7 ? 8 : size >= 1e6 ? 30 : 200;
  const missMeta = { ...meta, dir: join(root, `misses-${size}`) };
  const putDir = join(root, `put-${size}`);
  const [missOurs, put, serialize, wrapperMiss, memoMiss] = await medians(missRuns, [
    (i) => runCached(missMeta, [i], async () => value),
    (i) => cacache.put(putDir, `k${i}`, bytes),
    () => v8.serialize(value),
    (i) => cacacheWrapper(`miss-${i}`, async () => value),
    (i) => memoized(`miss-${i}`),
  ]);
  missRows.push(
    `| ${label} | ${fmt(missOurs)} | ${fmt(put)} | **${ratio(missOurs, put)}** | ${fmt(serialize)} | ${ratio(missOurs, serialize + put)} | ${fmt(wrapperMiss)} | ${fmt(memoMiss)} |`,
  );
}
configure({ memorySize: undefined });

// The memory tier: the same 1 KB call repeated in one process decodes from memory.
{
  const dir = join(root, "memory");
  const value = valueOf(1000);
  const bytes = v8.serialize(value);
  const meta = { hash: "memory", name: "load", file: "bench.ts", line: 1, paths: ["args[0]"], dir };
  await runCached(meta, [1], async () => value);
  const [ours, deserialize] = await medians(20_000, [
    () => runCached(meta, [1], async () => value),
    () => v8.deserialize(bytes),
  ]);
  say("");
  say(
    `Memory tier, a repeated 1 KB hit: ${fmt(ours)}; v8.deserialize of its ${bytes.length} bytes ${fmt(deserialize)}: **${ratio(ours, deserialize)}**.`,
  );
}

say("");
say(
  "| result | Cachephant miss (key, encode, lock, write) | cacache.put of the bytes | miss / cacache.put | v8.serialize of the value | miss / (serialize + put) | cacache wrapper miss (get, serialize, put) | memoize-fs miss |",
);
say("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of missRows) say(row);

// The lock: what a miss does to hold its key (create with O_EXCL, remove).
{
  const dir = join(root, "lock", "cachephant", "locks");
  mkdirSync(dir, { recursive: true });
  const putDir = join(root, "lock-put");
  const bytes = v8.serialize(valueOf(1000));
  const [lock, put] = await medians(300, [
    (i) => {
      const path = join(dir, `k${i}`);
      closeSync(openSync(path, "wx"));
      unlinkSync(path);
    },
    (i) => cacache.put(putDir, `k${i}`, bytes),
  ]);
  say("");
  say(`Lock between processes (create + remove its file): ${fmt(lock)}, ${ratio(lock, put)} of a 1 KB cacache.put.`);
}

// Import + first hit in a fresh process.
{
  const dir = join(root, "fresh");
  const meta = { hash: "fresh", name: "load", file: "bench.ts", line: 1, paths: ["args[0]"], dir };
  await runCached(meta, [1], async () => valueOf(1000));
  // Timed inside the child from before the import to after the hit (a busy machine makes
  // whole-process timings too noisy to subtract), and as whole processes against a bare node.
  const script = `const start = performance.now();
    const { runCached } = await import(${JSON.stringify(runtimeEntry)});
    await runCached(${JSON.stringify(meta)}, [1], async () => { throw new Error("a miss"); });
    console.log(performance.now() - start);`;
  const time = (args) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    return { wall: Number(process.hrtime.bigint() - start) / 1e3, inside: Number(result.stdout) * 1e3 };
  };
  const bare = [];
  const withHit = [];
  const inside = [];
  for (let i = 0; i < (quick ? 5 : 21); i++) {
    bare.push(time(["--input-type=module", "-e", "0"]).wall);
    const run = time(["--input-type=module", "-e", script]);
    withHit.push(run.wall);
    inside.push(run.inside);
  }
  const mid = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  say("");
  say(
    `Fresh process: import + first 1 KB hit, timed inside the process: **${fmt(mid(inside))}**; ` +
      `whole processes: bare node ${fmt(mid(bare))}, with the import and the hit ${fmt(mid(withHit))}.`,
  );
}

// A 100 MB hit: peak RSS growth in a process of its own.
{
  const dir = join(root, "big");
  const meta = { hash: "big", name: "big", file: "bench.ts", line: 1, paths: [], dir, maxSize: "10GB" };
  const script = (mode) => `const { runCached } = await import(${JSON.stringify(runtimeEntry)});
    const { readFileSync } = await import("node:fs");
    const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
    const meta = ${JSON.stringify(meta)};
    if (${JSON.stringify(mode)} === "write") { await runCached(meta, [], async () => Buffer.alloc(100e6, 7)); }
    else { const before = hwm(); const value = await runCached(meta, [], async () => { throw new Error("a miss"); });
      console.log(JSON.stringify({ growth: hwm() - before, size: value.length })); }`;
  spawnSync(process.execPath, ["--input-type=module", "-e", script("write")]);
  const read = spawnSync(process.execPath, ["--input-type=module", "-e", script("read")], { encoding: "utf8" });
  const { growth, size } = JSON.parse(read.stdout);
  say("");
  say(
    `A 100 MB hit (a Buffer): peak RSS growth ${(growth / 1e6).toFixed(0)} MB = **${(growth / size).toFixed(2)}x** the result's size.`,
  );
}

async function timedWithPeak(fn) {
  let peak = process.memoryUsage().rss;
  const base = peak;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  clearInterval(timer);
  return { ms, growth: Math.max(peak, process.memoryUsage().rss) - base, result };
}

say("");
say("| entries | ls | ls RSS growth | verify | verify RSS growth | prune (dry run) | prune to half |");
say("| --- | --- | --- | --- | --- | --- | --- |");
const pruneTimes = [];
for (const count of quick ? [10_000] : [10_000, 100_000]) {
  const dir = join(root, `scale-${count}`);
  writeStore(dir, count);
  globalThis.gc?.();
  const ls = await timedWithPeak(() => list({ dir }));
  const total = ls.result.reduce((sum, row) => sum + row.size, 0);
  const ver = await timedWithPeak(() => verify({ dir }));
  const dry = await timedWithPeak(() => prune({ dir, maxSize: total / 2, dryRun: true }));
  const real = await timedWithPeak(() => prune({ dir, maxSize: total / 2 }));
  if (real.result.removedEntries < count / 2 - 1) throw new Error(`prune removed ${real.result.removedEntries}`);
  pruneTimes.push(real.ms);
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  say(
    `| ${count.toLocaleString("en")} | ${(ls.ms / 1000).toFixed(2)} s | ${mb(ls.growth)} | ${(ver.ms / 1000).toFixed(2)} s | ${mb(ver.growth)} | ${(dry.ms / 1000).toFixed(2)} s | ${(real.ms / 1000).toFixed(2)} s |`,
  );
  rmSync(dir, { recursive: true, force: true });
}
if (pruneTimes.length === 2)
  say(
    `\nPrune, 100,000 entries / 10,000 entries: ${(pruneTimes[1] / pruneTimes[0]).toFixed(1)}x the time for 10x the entries.`,
  );
