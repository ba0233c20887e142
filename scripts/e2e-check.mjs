#!/usr/bin/env node
// Runs the end-to-end suite with check mode on in every program it runs
// (CACHEPHANT_CHECK=1: each hit also computes and is compared with what is
// stored), then lists the findings: a "stale" finding is a hit the key did
// not cover. Tests that count computations fail under check mode by design
// (a hit computes too); what this run proves is in the report, not in them.
//
//   node scripts/e2e-check.mjs [vitest args, e.g. e2e/values.test.ts]
//
// Exits 1 when a stale finding is not among the expected ones below: the
// tests that feed a function an input no key can cover, on purpose.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Functions whose tests change what they read behind the key's back, to
 * prove another feature. (A function that differs from itself on two fresh
 * computations is reported "nondeterministic", not stale: check.test.ts's
 * Math.random() functions.)
 */
const EXPECTED = new Map([
  ["fetchRate", "refresh.test.ts: a loopback server's answer, which only CACHEPHANT=refresh or refresh(fn) brings in"],
  ["price", "check.test.ts: a loopback server's price, the stale function check mode must find"],
  ["envOff", 'inputs.test.ts: "inputs=off" leaves the environment variable it reads out of the entry, by request'],
]);

const report = join(tmpdir(), `cachephant-e2e-check-${process.pid}.jsonl`);
rmSync(report, { force: true });
const vitest = spawnSync("npx", ["vitest", "run", "--project", "e2e", ...process.argv.slice(2)], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, E2E_CHECK_REPORT: report, CACHEPHANT_CHECK: "1", CACHEPHANT_CHECK_REPORT: report },
});

const findings = existsSync(report)
  ? readFileSync(report, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const byFunction = new Map();
for (const finding of findings) {
  const id = `${finding.kind} ${finding.function} (${finding.file}:${finding.line})`;
  byFunction.set(id, (byFunction.get(id) ?? 0) + 1);
}
const unexpected = findings.filter((finding) => finding.kind === "stale" && !EXPECTED.has(finding.function));
console.log(`\ncheck mode: ${findings.length} findings in ${report}`);
for (const [id, count] of byFunction) {
  const name = id.split(" ")[1];
  console.log(`  ${id}: ${count}${EXPECTED.has(name) ? ` (expected: ${EXPECTED.get(name)})` : ""}`);
}
console.log(`vitest exited ${vitest.status} (tests that count computations fail under check mode by design)`);
if (unexpected.length > 0) {
  console.log(`${unexpected.length} stale findings that no test expects`);
  process.exit(1);
}
console.log("no unexpected stale finding");
