// Prune and ls at scale, through the side index: stores of 10,000 and
// 100,000 entries (written in cacache's layout as the runtime writes it),
// each measured in one run against a baseline of the same run: reading every
// index bucket once (what a prune without the index had to do at least).
// Prints the seconds, the ratio of each to that baseline, and the ratio of
// 100,000 to 10,000 entries (10x: linear). A second floor, for prune to half:
// unlinking the same number of files (an index bucket and a content file per
// removed entry) from an identical store, as many at once as the prune runs.
//
//   node bench/prune.bench.mjs [--quick]   (--quick: 10,000 entries only)
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeStore } from "./store-writer.mjs";

const { clear, list, prune } = await import(fileURLToPath(new URL("../dist/index.js", import.meta.url)));
const quick = process.argv.includes("--quick");
const root = mkdtempSync(join(tmpdir(), "cachephant-prune-bench-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

/** The baseline: list and read every index bucket once, parsing its line. */
function readEveryBucket(dir) {
  let sizes = 0;
  const index = join(dir, "index-v5");
  for (const a of readdirSync(index)) {
    for (const b of readdirSync(join(index, a))) {
      for (const name of readdirSync(join(index, a, b))) {
        const text = readFileSync(join(index, a, b, name), "utf8");
        sizes += JSON.parse(text.slice(text.indexOf("\t") + 1)).size;
      }
    }
  }
  return sizes;
}

/** The removal floor: every other entry's bucket and content file unlinked, `parallel` at a time. */
async function unlinkHalf(dir, parallel = 32) {
  const paths = [];
  const index = join(dir, "index-v5");
  let n = 0;
  for (const a of readdirSync(index)) {
    for (const b of readdirSync(join(index, a))) {
      for (const name of readdirSync(join(index, a, b))) {
        if (n++ % 2 === 1) continue;
        const bucket = join(index, a, b, name);
        const text = readFileSync(bucket, "utf8");
        const integrity = JSON.parse(text.slice(text.indexOf("\t") + 1)).integrity;
        const hex = Buffer.from(integrity.slice("sha512-".length), "base64").toString("hex");
        paths.push(bucket, join(dir, "content-v2", "sha512", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4)));
      }
    }
  }
  spawnSync("sync");
  return seconds(async () => {
    let next = 0;
    const worker = async () => {
      while (next < paths.length) await unlink(paths[next++]);
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    spawnSync("sync");
  });
}

async function seconds(fn) {
  const start = performance.now();
  const result = await fn();
  return { s: (performance.now() - start) / 1000, result };
}

const rows = [];
for (const count of quick ? [10_000] : [10_000, 100_000]) {
  const dir = join(root, `store-${count}`);
  writeStore(dir, count);
  spawnSync("sync"); // the writes' dirty pages flushed, so they do not slow what is measured
  const scan = await seconds(() => readEveryBucket(dir));
  const rebuild = await seconds(() => list({ dir })); // no side index yet: rebuilt from the layout, and kept
  const ls = await seconds(() => list({ dir }));
  const total = ls.result.reduce((sum, row) => sum + row.size, 0);
  const dry = await seconds(() => prune({ dir, maxSize: total / 2, dryRun: true }));
  // A day after the last walk for content no entry uses: the slices owed (a dry run keeps the round as it was).
  const swept = join(dir, "cachephant", "swept");
  const hadRound = existsSync(swept);
  if (!hadRound) writeFileSync(swept, "0\n");
  const walkedAt = statSync(swept).mtime;
  const dayAgo = new Date(Date.now() - 25 * 3600_000);
  utimesSync(swept, dayAgo, dayAgo);
  const dryOwed = await seconds(() => prune({ dir, maxSize: total / 2, dryRun: true }));
  if (hadRound) utimesSync(swept, walkedAt, walkedAt);
  else rmSync(swept);
  const half = await seconds(() => prune({ dir, maxSize: total / 2 }));
  if (half.result.removedEntries < count / 2 - 1)
    throw new Error(`prune removed ${half.result.removedEntries} of ${count}`);
  half.s += (await seconds(() => spawnSync("sync"))).s; // its frees reach the disk inside the timing, as the floor's do
  const idle = await seconds(() => prune({ dir, maxSize: total })); // under the bound: nothing to remove
  const clearOne = await seconds(() => clear({ dir, fn: "fn7" })); // one function of 50
  if (clearOne.result.removedEntries === 0) throw new Error("clear removed nothing");
  rmSync(dir, { recursive: true, force: true });
  const floorDir = join(root, `floor-${count}`);
  writeStore(floorDir, count);
  const unlinked = await unlinkHalf(floorDir);
  rmSync(floorDir, { recursive: true, force: true });
  rows.push({
    count,
    scan: scan.s,
    rebuild: rebuild.s,
    ls: ls.s,
    dry: dry.s,
    dryOwed: dryOwed.s,
    half: half.s,
    idle: idle.s,
    clear: clearOne.s,
    unlink: unlinked.s,
  });
}

const cell = (s, base) => `${s.toFixed(2)} s (${(s / base).toFixed(2)}x)`;
console.log(
  "| entries | read every bucket (baseline) | first ls (rebuilds the index) | ls | prune --dry-run | prune --dry-run a day after the last walk | prune to half | prune under the bound | clear one function of 50 | unlink the same files (floor) | prune to half / floor |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(
    `| ${r.count.toLocaleString("en")} | ${r.scan.toFixed(2)} s | ${cell(r.rebuild, r.scan)} | ${cell(r.ls, r.scan)} | ${cell(r.dry, r.scan)} | ${cell(r.dryOwed, r.scan)} | ${cell(r.half, r.scan)} | ${cell(r.idle, r.scan)} | ${cell(r.clear, r.scan)} | ${r.unlink.toFixed(2)} s | **${(r.half / r.unlink).toFixed(2)}x** |`,
  );
}
if (rows.length === 2) {
  const [small, large] = rows;
  const ratio = (key) => (large[key] / small[key]).toFixed(1);
  console.log(
    `\n100,000 / 10,000 entries (10x is linear): prune to half ${ratio("half")}x, ls ${ratio("ls")}x, rebuild ${ratio("rebuild")}x, baseline ${ratio("scan")}x.`,
  );
}
