// The README's "Use" section, run as printed: in a new folder outside the
// repository, its install commands (with the release step's tarballs), its
// files and its commands, section by section, and the team recipe's keygen
// command. The snippets are read from README.md here, so the README cannot
// drift from what works.
import { exec, execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { packRelease, repoRoot } from "./helpers/release.js";

const sh = promisify(exec);
const PLACEHOLDER = "/path/to/cachephant/release";
const { packageManager } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  packageManager: string;
};

interface Block {
  lang: string;
  text: string;
}

/** The fenced blocks of each `###` section of the README's `## Use`. */
function useSections(): Map<string, Block[]> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const use = readme.slice(readme.indexOf("\n## Use\n"), readme.indexOf("\n## ", readme.indexOf("\n## Use\n") + 1));
  const sections = new Map<string, Block[]>();
  for (const part of use.split(/\n### /).slice(1)) {
    const title = part.slice(0, part.indexOf("\n"));
    const blocks = [...part.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, text]) => ({
      lang: lang!,
      text: text!,
    }));
    sections.set(title, blocks);
  }
  return sections;
}

/** The fenced blocks of the README's `## <title>...` section (a recipe outside `## Use`). */
function topSection(title: string): Block[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`README.md has no "## ${title}"`);
  const part = readme.slice(start, readme.indexOf("\n## ", start + 1));
  return [...part.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, text]) => ({ lang: lang!, text: text! }));
}

const sections = useSections();
function section(prefix: string): Block[] {
  const found = [...sections].find(([title]) => title.startsWith(prefix));
  if (!found) throw new Error(`README.md has no "### ${prefix}" under "## Use"`);
  return found[1];
}

let release: Awaited<ReturnType<typeof packRelease>>;
const folders: string[] = [];
beforeAll(async () => {
  release = await packRelease();
}, 120_000);
afterAll(() => {
  for (const folder of [...folders, release?.dir]) if (folder) rmSync(folder, { recursive: true, force: true });
});

/** A new folder outside the repository. */
function newFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "cachephant-readme-"));
  folders.push(folder);
  return folder;
}

/** The folder's tarball paths in place of the README's placeholder. */
const withTarballs = (text: string) => text.replaceAll(PLACEHOLDER, release.dir);

// Debug lines say hit or miss; no CACHEPHANT_* of the test's own environment.
const env = {
  ...process.env,
  CACHEPHANT_DEBUG: "1",
  CACHEPHANT_DIR: "",
  CACHEPHANT_MAX_SIZE: "",
  CACHEPHANT: "",
  npm_config_update_notifier: "false",
};

/** Writes each `// path` file block; runs each command of each `sh` block; returns what each command printed. */
async function follow(
  folder: string,
  blocks: readonly Block[],
  skip: (line: string) => boolean = () => false,
): Promise<string[]> {
  const outputs: string[] = [];
  for (const block of blocks) {
    if (block.lang === "sh") {
      for (const raw of block.text.split("\n")) {
        const command = raw.replace(/\s+#.*$/, "").trim();
        if (command === "" || skip(command)) continue;
        const { stdout, stderr } = await sh(withTarballs(command), { cwd: folder, env });
        outputs.push(`${stdout}${stderr}`);
      }
    } else if (/^(js|ts)$/.test(block.lang)) {
      const path = /^\/\/ (\S+)\n/.exec(block.text)?.[1];
      if (path === undefined)
        throw new Error(`a ${block.lang} block of the README's Use section does not start with // <file>`);
      mkdirSync(dirname(join(folder, path)), { recursive: true });
      writeFileSync(join(folder, path), block.text);
    }
  }
  return outputs;
}

/** The outputs of the commands that ran the program: a miss, then a hit from a new process. */
function expectComputedThenCached(outputs: readonly string[], fn: string): void {
  const runs = outputs.filter((output) => new RegExp(`cachephant (hit|miss) ${fn}`).test(output));
  expect(runs).toHaveLength(2);
  expect(runs[0]).toMatch(new RegExp(`cachephant miss ${fn} .*: nothing stored for this function`));
  expect(runs[1]).toMatch(new RegExp(`cachephant hit ${fn} `));
}

test.concurrent(
  "npm: install from the release tarballs, then the esbuild, Vite and Vitest sections as printed",
  async () => {
    const folder = newFolder();
    const [init, tarballs] = section("Install").filter((block) => block.lang === "sh");
    // The registry commands wait for a publish; the tarball commands stand for them.
    await follow(folder, [init!], (command) => /^npm install (-D )?@cachephant\//.test(command));
    await follow(folder, [tarballs!]);
    await follow(folder, section("A cached function"));

    const esbuild = await follow(folder, section("esbuild"));
    expectComputedThenCached(esbuild, "slowSquare");
    expect(esbuild.at(-1)).toMatch(/slowSquare\(12\) = 144 in \d+ ms/);

    // The same function in the same project: start the Vite section from an empty store.
    await sh("npx cachephant clear", { cwd: folder, env });
    const vite = await follow(folder, section("Vite"));
    expectComputedThenCached(vite, "slowSquare");

    const vitest = await follow(folder, section("Vitest"));
    expectComputedThenCached(vitest, "loadDataset");

    // The team recipe's command: a key pair, the private key owner-only.
    const [keygen] = await follow(folder, topSection("Recipe: share results across a team"));
    expect(keygen).toMatch(/Wrote an Ed25519 key pair \(key id [0-9a-f]{16}\)/);
    expect(statSync(join(folder, ".cachephant", "cachephant-remote.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(folder, ".cachephant", "cachephant-remote.pub"), "utf8")).toMatch(
      /^-----BEGIN PUBLIC KEY-----/,
    );
  },
  600_000,
);

test.concurrent(
  "npm: cached() as the README shows it, in a script run twice and in Node's REPL typed line by line",
  async () => {
    const folder = newFolder();
    const [init, tarballs] = section("Install").filter((block) => block.lang === "sh");
    await follow(folder, [init!], (command) => /^npm install (-D )?@cachephant\//.test(command));
    await follow(folder, [tarballs!]);
    const blocks = section("Notebooks, REPLs");
    const script = await follow(
      folder,
      blocks.filter((block) => block.lang !== "console"),
    );
    expectComputedThenCached(script, "slowSquare");
    expect(script.at(-1)).toContain("144");

    // The REPL: what a person types after `$ node`, sent to an interactive node on its standard input.
    const transcript = blocks
      .find((block) => block.lang === "console")!
      .text.trimEnd()
      .split("\n");
    expect(transcript[0]).toBe("$ node");
    const typed = transcript.filter((line) => line.startsWith("> ")).map((line) => line.slice(2));
    // Each line is typed once the REPL shows its prompt again, as a person would.
    const repl = async () => {
      const child = exec(`${JSON.stringify(process.execPath)} -i`, { cwd: folder, env });
      let output = "";
      let prompted = () => {};
      const onData = (chunk: string) => {
        output += chunk;
        if (output.endsWith("> ")) prompted();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (chunk: string) => (output += chunk));
      const closed = new Promise((resolve) => child.on("close", resolve));
      for (const line of [...typed, ".exit"]) {
        await new Promise<void>((resolve) => {
          prompted = resolve;
          if (output.endsWith("> ")) resolve();
        });
        prompted = () => {};
        output += line + "\n";
        child.stdin!.write(`${line}\n`);
      }
      await closed;
      return output;
    };
    const expected = transcript.at(-1)!;
    expect(expected).toBe("144");
    // The script stored slowSquare(12) under the same key: the REPL reads it.
    const first = await repl();
    expect(first).toContain(expected);
    expect(first).toMatch(/cachephant hit slowSquare /);
    await sh("npx cachephant clear", { cwd: folder, env });
    const computed = await repl();
    expect(computed).toContain(expected);
    expect(computed).toMatch(/cachephant miss slowSquare .*: nothing stored for this function/);
  },
  600_000,
);

test.concurrent(
  "pnpm: the README's overrides and the tarballs install in a new folder, and the esbuild section runs",
  async () => {
    const folder = newFolder();
    writeFileSync(
      join(folder, "package.json"),
      JSON.stringify({ name: "pnpm-user-project", private: true, type: "module" }),
    );
    const yaml = section("Install").find((block) => block.lang === "yaml");
    // pnpm runs no install scripts it was not told to allow (esbuild's fetches its binary).
    writeFileSync(join(folder, "pnpm-workspace.yaml"), `${withTarballs(yaml!.text)}allowBuilds:\n  esbuild: true\n`);
    const pnpm = `npx --yes ${packageManager}`;
    await sh(`${pnpm} add ${release.tarball("core")} ${release.tarball("runtime")}`, { cwd: folder, env });
    await sh(`${pnpm} add -D ${release.tarball("plugin")} esbuild`, { cwd: folder, env });
    await follow(folder, section("A cached function"));
    const esbuild = await follow(folder, section("esbuild"), (command) => command.startsWith("npm install"));
    expectComputedThenCached(esbuild, "slowSquare");
  },
  600_000,
);

test.concurrent(
  "npm alone: the README's packing step runs in a fresh copy of the repository and packs the three tarballs",
  async () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const command = "npm run release:pack";
    expect(readme).toContain(`\`${command}\``);
    // What a fresh clone holds: the repository's files without installs, builds or caches.
    const clone = newFolder();
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    for (const file of tracked.split("\0")) {
      if (file !== "" && existsSync(join(repoRoot, file)))
        cpSync(join(repoRoot, file), join(clone, file), { recursive: true });
    }
    const { stdout, stderr } = await sh(command, { cwd: clone, env: { ...env, CI: "" } });
    expect(readdirSync(join(clone, "release")).sort()).toEqual([
      "cachephant-core-0.1.0.tgz",
      "cachephant-plugin-0.1.0.tgz",
      "cachephant-runtime-0.1.0.tgz",
    ]);
    expect(stdout).toContain(`npm install ${join(clone, "release", "cachephant-core-0.1.0.tgz")}`);
    // Not a terminal: no colors or cursor codes, and no update banner.
    expect(`${stdout}${stderr}`).not.toContain("\x1b[");
    expect(`${stdout}${stderr}`).not.toMatch(/Update available/i);
  },
  600_000,
);
