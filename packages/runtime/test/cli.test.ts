import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { formatSize, main } from "../src/cli.js";
import { list, runCached, type CachedFunctionMeta } from "../src/index.js";
import { readIndex } from "../src/store/index.js";
import { builtFile } from "./built.js";
import { makeMeta, tempDir, useRuntime } from "./helpers.js";

const runtime = useRuntime();

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function call(meta: CachedFunctionMeta, arg: unknown, result: unknown = arg): Promise<void> {
  await runCached(meta, [arg], async () => result);
}

describe("explain", () => {
  test("a function no build recorded is explained from the store: its marker's deps, its entries, counts and each computation's reason", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const deps = JSON.stringify([
      ["own code", "0123456789abcdef"],
      ["helper round (src/round.ts)", "fedcba9876543210"],
      ["package lodash", "4.17.21"],
    ]);
    const v1 = makeMeta({ name: "price", file: "src/price.ts", line: 7, hash: "h1", deps });
    const v2 = { ...v1, hash: "h2" };
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    await call(v1, 1);
    vi.setSystemTime(new Date("2030-01-01T00:01:00Z"));
    await call(v1, 2);
    vi.setSystemTime(new Date("2030-01-01T00:02:00Z"));
    await call(v2, 2);
    await call(v2, 2); // a hit
    const { code, stdout } = await cli("explain", "price", "--json", "--dir", runtime.dir());
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      format: 1,
      name: "price",
      file: "src/price.ts",
      line: 7,
      source: "store",
      hash: "h2",
      ownCode: "0123456789abcdef",
      reaches: [
        { label: "helper round (src/round.ts)", hash: "fedcba9876543210", file: "src/round.ts" },
        { label: "package lodash", hash: "4.17.21" },
      ],
      packages: [{ name: "lodash", version: "4.17.21" }],
      params: [{ path: "args[0]", ignored: false }],
      entries: { count: 3, superseded: 2 },
      computations: [
        { at: "2030-01-01T00:02:00.000Z", hash: "h2", reason: "new code" },
        { at: "2030-01-01T00:01:00.000Z", hash: "h1", reason: "new arguments: args[0]" },
        { at: "2030-01-01T00:00:00.000Z", hash: "h1", reason: "no earlier result in the store" },
      ],
    });
    const text = await cli("explain", "src/price.ts:7", "--dir", runtime.dir());
    expect(text.stdout).toContain("price  src/price.ts:7\n  code hash h2 (own code 0123456789abcdef), from the store");
    expect(text.stdout).toContain("  ├─ helper round (src/round.ts)  fedcba9876543210\n  └─ package lodash  4.17.21");
    // Counts agree with their words: "1 hit", not "1 hits".
    expect(text.stdout).toMatch(/\n {2}3 entries, [^\n]*, 2 of superseded code\n {2}1 hit, 3 misses, /);
  });

  test("a name that matches no function or several exits 2 with the candidates", async () => {
    await call(makeMeta({ name: "load", file: "src/a.ts", line: 1, hash: "ha" }), 1);
    await call(makeMeta({ name: "load", file: "src/b.ts", line: 9, hash: "hb" }), 1);
    const several = await cli("explain", "load", "--dir", runtime.dir());
    expect(several).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'cachephant: "load" names 2 cached functions; name one as file:name or file:line:\n  src/a.ts:load (line 1)\n  src/b.ts:load (line 9)',
    });
    expect((await cli("explain", "b.ts:load", "--dir", runtime.dir())).code).toBe(0);
    const none = await cli("explain", "lod", "--dir", runtime.dir());
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'cachephant: no cached function matches "lod"; nearest:\n  src/a.ts:load (line 1)\n  src/b.ts:load (line 9)',
    );
    expect((await cli("explain", "src/a.ts:2", "--dir", runtime.dir())).code).toBe(2);
  });
});

describe("ls", () => {
  test("a table with one row per function and a total", async () => {
    await call(makeMeta({ name: "loadReport", file: "src/data.ts" }), 1, "x".repeat(2000));
    await call(makeMeta({ name: "parse", file: "src/parse.ts", hash: "h2" }), 1);
    const { code, stdout } = await cli("ls", "--dir", runtime.dir());
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^FUNCTION\s+FILE\s+ENTRIES\s+SIZE\s+HITS\s+MISSES\s+SAVED\s+LAST USED$/);
    expect(lines[1]).toMatch(
      /^loadReport\s+src\/data\.ts\s+1\s+2\.0 KB\s+0\s+1\s+-?\d+ms\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(lines[2]).toMatch(/^parse\s+src\/parse\.ts\s+1\s+\d+ B\s+0\s+1\s+/);
    expect(lines[3]).toBe(`Total: 2 entries, 2.0 KB in ${runtime.dir()}; 0 hits, 2 misses, 0ms saved`);
    expect(lines[4]).toBe("Store folder from --dir; size bound 1.0 GB from the default");
  });

  test("--json is stable: dir, functions with ISO dates, total", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    await call(makeMeta({ name: "f", file: "src/f.ts" }), 1);
    const { code, stdout } = await cli("ls", "--json", "--dir", runtime.dir());
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed).toEqual({
      dir: runtime.dir(),
      exists: true,
      settings: { dir: { value: runtime.dir(), source: "--dir" }, maxSize: { value: 1e9, source: "the default" } },
      functions: [
        {
          name: "f",
          file: "src/f.ts",
          entries: 1,
          size: expect.any(Number),
          lastUsed: "2030-01-01T00:00:00.000Z",
          superseded: 0,
          supersededSize: 0,
          hits: 0,
          misses: 1,
          savedMs: 0,
        },
      ],
      total: {
        entries: 1,
        size: parsed.functions[0].size,
        superseded: 0,
        supersededSize: 0,
        hits: 0,
        misses: 1,
        savedMs: 0,
      },
    });
  });

  test("an empty store says so; the store defaults to the configured one", async () => {
    const { code, stdout } = await cli("ls");
    expect(code).toBe(0);
    expect(stdout).toBe(
      `No cached results in ${runtime.dir()}\nStore folder from configure({ dir }); size bound 1.0 GB from the default`,
    );
  });
});

describe("prune", () => {
  test("--max-size removes entries and prints what was freed", async () => {
    await call(makeMeta(), 1, "x".repeat(3000));
    const { code, stdout } = await cli("prune", "--max-size", "1KB", "--dir", runtime.dir());
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Removed 1 entry, freed 3\.\d KB; 0 entries \(0 B\) remain in .+ \(bound 1\.0 KB\)$/);
    expect(await list()).toEqual([]);
  });

  test("--dry-run --json reports without removing", async () => {
    await call(makeMeta(), 1);
    const { code, stdout } = await cli("prune", "--max-size", "0", "--dry-run", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      dir: runtime.dir(),
      dryRun: true,
      maxSize: 0,
      removedEntries: 1,
      expiredEntries: 0,
      orphanedFiles: 0,
      remainingEntries: 0,
      remainingBytes: 0,
    });
    expect(await list()).toHaveLength(1);
  });

  test("--max-age removes old entries", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    await call(makeMeta(), 1);
    vi.setSystemTime(new Date("2030-01-10T00:00:00Z"));
    const { code, stdout } = await cli("prune", "--max-age", "7d");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Removed 1 entry \(1 expired\), freed/);
  });

  test.each([
    [
      ["prune", "--max-size", "12XB"],
      "cachephant: --max-size 12XB: not a size; use a number of bytes or a size such as 500MB, 2GB or 1GiB",
    ],
    [
      ["prune", "--max-age", "soon"],
      "cachephant: --max-age soon: not a duration; use a duration: a number and one of ms, s, m, h, d, w with nothing between, such as 30s, 10m, 1.5h or 7d",
    ],
    [
      ["prune", "--max-age", "1 h"],
      expect.stringMatching(/^cachephant: --max-age 1 h: not a duration; use a duration: /),
    ],
    [
      ["prune", "--max-age", "1H"],
      expect.stringMatching(/^cachephant: --max-age 1H: not a duration; use a duration: /),
    ],
    [["prune", "--bogus"], "cachephant: Unknown option '--bogus'"],
    [["ls", "extra"], expect.stringMatching(/^cachephant: Unexpected argument 'extra'/)],
    [["frobnicate"], 'cachephant: unknown command "frobnicate" (use ls, prune, clear, verify, explain or report)'],
    [
      ["explain"],
      "cachephant: explain takes one operand, 0 given: use cachephant explain <function>, where <function> is a name, file:name or file:line",
    ],
    [
      ["explain", "a", "b"],
      "cachephant: explain takes one operand, 2 given: use cachephant explain <function>, where <function> is a name, file:name or file:line",
    ],
    [["report", "extra"], expect.stringMatching(/^cachephant: Unexpected argument 'extra'/)],
  ])("bad usage %j exits 2 with a one-line reason", async (argv, message) => {
    const { code, stderr, stdout } = await cli(...argv);
    expect(code).toBe(2);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toEqual(message);
    expect(stdout).toBe("");
  });
});

describe("clear", () => {
  test("--fn removes one function's entries", async () => {
    await call(makeMeta({ name: "keep" }), 1);
    await call(makeMeta({ name: "drop", hash: "h-drop" }), 1);
    const { code, stdout } = await cli("clear", "--fn", "drop");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Removed 1 entry of drop \(\d+ B\) from /);
    expect((await list()).map((row) => row.name)).toEqual(["keep"]);
  });

  test("--file removes one file's entries; no option removes all", async () => {
    await call(makeMeta({ file: "src/a.ts" }), 1);
    await call(makeMeta({ file: "src/b.ts", hash: "hb" }), 1);
    await call(makeMeta({ file: "src/b.ts", hash: "hb2" }), 1);
    expect((await cli("clear", "--file", "src/a.ts")).stdout).toMatch(/^Removed 1 entry in src\/a\.ts/);
    expect((await cli("clear", "--dir", runtime.dir())).stdout).toMatch(/^Removed 2 entries \(\d+ B\) from /);
    expect(await list()).toEqual([]);
  });

  test("--fn or --file that matches nothing exits 1 and names the nearest functions; nothing is removed", async () => {
    await call(makeMeta({ name: "loadReport", file: "src/report.ts" }), 1);
    await call(makeMeta({ name: "loadUsers", file: "src/users.ts", hash: "hu" }), 1);
    await call(makeMeta({ name: "parse", file: "src/parse.ts", hash: "hp" }), 1);
    const typo = await cli("clear", "--fn", "lodReport");
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/^Removed 0 entries of lodReport /);
    expect(typo.stderr).toBe(
      'cachephant: no cached function named "lodReport"; nearest: loadReport (see cachephant ls)',
    );
    const far = await cli("clear", "--fn", "zzzzzzzz");
    expect(far.stderr).toBe(
      'cachephant: no cached function named "zzzzzzzz"; the store holds loadReport, loadUsers, parse (see cachephant ls)',
    );
    const file = await cli("clear", "--file", "src/user.ts");
    expect([file.code, file.stderr]).toEqual([
      1,
      'cachephant: no cached function in "src/user.ts"; nearest: src/users.ts (see cachephant ls)',
    ]);
    expect((await list()).map((row) => row.name).sort()).toEqual(["loadReport", "loadUsers", "parse"]);
  });

  test("--fn on a store that does not exist exits 1; a plain clear of it exits 0", async () => {
    const missing = join(runtime.dir(), "no-such-store");
    expect((await cli("clear", "--fn", "f", "--dir", missing)).code).toBe(1);
    expect((await cli("clear", "--dir", missing)).code).toBe(0);
  });
});

describe("verify", () => {
  test("a background prune that failed since the last good one is a finding: exit 1, until a prune succeeds", async () => {
    const { configure } = await import("../src/index.js");
    const { backgroundPrune } = await import("../src/store/index.js");
    configure({ maxSize: 3000 });
    const blocker = join(runtime.dir(), "index-v5", "aa", "bb", "cc");
    mkdirSync(blocker, { recursive: true });
    await call(makeMeta(), 1, "x".repeat(600));
    await backgroundPrune(runtime.dir());
    rmSync(blocker, { recursive: true });
    const failed = await cli("verify");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /all readable\.\nThe last background prune failed \(.*: EISDIR: .*\); the store may be past its bound until one succeeds/,
    );
    expect((await cli("prune")).code).toBe(0);
    expect(await cli("verify")).toMatchObject({ code: 0, stdout: expect.stringMatching(/all readable\.$/) });
  });

  test("reports all readable", async () => {
    await call(makeMeta(), 1);
    const { code, stdout } = await cli("verify");
    expect(code).toBe(0);
    expect(stdout).toBe(`Checked 1 entry in ${runtime.dir()}: all readable.`);
  });

  test("removes and lists damaged entries", async () => {
    await call(makeMeta({ name: "broken", file: "src/x.ts" }), 1, "some result");
    const [entry] = (await readIndex(runtime.dir())).filter((e) => e.metadata.kind === "result");
    writeFileSync(entry!.path, "");
    const { code, stdout } = await cli("verify", "--dir", runtime.dir());
    expect(code).toBe(1); // repaired, but damage was found
    expect((await cli("verify", "--dir", runtime.dir())).code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      `Checked 1 entry in ${runtime.dir()}: removed 1 damaged:`,
      "  broken (src/x.ts): content has the wrong size",
    ]);
    expect(await list()).toEqual([]);
  });
});

describe("sizes and missing stores", () => {
  test("ls's total, prune --dry-run's freed + remaining and prune's freed + remaining are the same bytes", async () => {
    for (let i = 0; i < 5; i++) await call(makeMeta({ name: `f${i}` }), i, "s".repeat(400 * (i + 1)));
    const json = async (...argv: string[]) => JSON.parse((await cli(...argv, "--json", "--dir", runtime.dir())).stdout);
    const total = (await json("ls")).total.size as number;
    const dry = await json("prune", "--max-size", "2KB", "--dry-run");
    const real = await json("prune", "--max-size", "2KB");
    expect(dry.freedBytes + dry.remainingBytes).toBe(total);
    expect([real.freedBytes, real.remainingBytes]).toEqual([dry.freedBytes, dry.remainingBytes]);
    expect((await json("ls")).total.size).toBe(real.remainingBytes);
    const text = (await cli("prune", "--max-size", "0", "--dir", runtime.dir())).stdout;
    expect(text).toContain(`freed ${formatSize(real.remainingBytes)};`);
  });

  test("a missing store is said so by every command, not reported as empty or readable", async () => {
    const missing = join(runtime.dir(), "no-such-store");
    for (const command of ["ls", "prune", "clear", "verify"]) {
      const { code, stdout } = await cli(command, "--dir", missing);
      expect(code).toBe(0);
      // ls says where the store's folder and bound come from, also when there is no store.
      const said = command === "ls" ? `\nStore folder from --dir; size bound 1.0 GB from the default` : "";
      expect(stdout).toBe(`No store at ${missing} (nothing cached there yet)${said}`);
    }
    expect(JSON.parse((await cli("verify", "--json", "--dir", missing)).stdout)).toMatchObject({
      exists: false,
      checkedEntries: 0,
    });
    expect(existsSync(missing)).toBe(false);
  });

  test("verify --json reports the checked entries and the problems", async () => {
    await call(makeMeta({ name: "broken", file: "src/x.ts" }), 1, "some result");
    const [entry] = (await readIndex(runtime.dir())).filter((e) => e.metadata.kind === "result");
    writeFileSync(entry!.path, "");
    const { code, stdout } = await cli("verify", "--json", "--dir", runtime.dir());
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      dir: runtime.dir(),
      exists: true,
      checkedEntries: 1,
      removedEntries: 1,
      problems: [{ name: "broken", file: "src/x.ts", reason: "content has the wrong size" }],
    });
  });

  test("progress goes to a terminal only, and never with --json", async () => {
    for (let i = 0; i < 3; i++) await call(makeMeta(), i);
    const shown: string[] = [];
    const io = { stdout: () => {}, stderr: () => {}, progress: (text: string) => shown.push(text) };
    await main(["verify", "--json", "--dir", runtime.dir()], io);
    expect(shown).toEqual([]);
    await main(["verify", "--dir", runtime.dir()], io);
    expect(shown[0]).toMatch(/^cachephant: checking: \d+ entries…$/);
    expect(shown.at(-1)).toBe(""); // cleared before the report
  });
});

describe("the command line", () => {
  test("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(await cli("--version")).toMatchObject({ code: 0, stdout: version });
  });

  test("--help prints usage and exits 0; no command prints usage and exits 2", async () => {
    expect(await cli("--help")).toMatchObject({ code: 0, stdout: expect.stringContaining("Usage: cachephant") });
    expect(await cli("prune", "--help")).toMatchObject({ code: 0 });
    expect(await cli()).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage: cachephant") });
  });

  test("a store that cannot be read is a failure: exit 1", async () => {
    // A directory where cacache expects an index file.
    mkdirSync(join(runtime.dir(), "index-v5", "aa", "bb", "cc"), { recursive: true });
    const { code, stderr } = await cli("ls");
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cachephant: ls failed: .*EISDIR/);
  });

  test("a bad environment variable is bad usage: exit 2", async () => {
    process.env.CACHEPHANT_MAX_SIZE = "lots";
    const { configure } = await import("../src/index.js");
    configure({});
    const { code, stderr } = await cli("prune");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^cachephant: CACHEPHANT_MAX_SIZE="lots" is not a size/);
  });
});

describe("the built bin", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [builtFile("cli.js"), ...args], {
      encoding: "utf8",
      env: { ...process.env, CACHEPHANT_DIR: "" },
    });

  test("runs ls --json and exits 0", () => {
    const dir = tempDir();
    const result = run("ls", "--json", "--dir", dir);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      dir,
      exists: true,
      settings: {
        dir: { value: dir, source: "--dir" },
        maxSize: { value: expect.any(Number), source: expect.any(String) },
      },
      functions: [],
      total: { entries: 0, size: 0, superseded: 0, supersededSize: 0, hits: 0, misses: 0, savedMs: 0 },
    });
  });

  test("exits 2 on bad usage", () => {
    const result = run("prune", "--max-size", "12XB");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^cachephant: --max-size 12XB: not a size/);
  });
});
