import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Packs the built packages with the release step (`scripts/release-pack.mjs`,
 * what `pnpm release:pack` runs after building) into a new folder outside the
 * repository, and returns the tarballs by package name.
 */
export async function packRelease(): Promise<{
  dir: string;
  tarball: (name: "core" | "runtime" | "plugin") => string;
}> {
  const dir = mkdtempSync(join(tmpdir(), "cachephant-release-"));
  await run(process.execPath, [join(repoRoot, "scripts", "release-pack.mjs"), dir], { cwd: repoRoot });
  const files = readdirSync(dir);
  return {
    dir,
    tarball: (name) => {
      const file = files.find((candidate) => candidate.startsWith(`cachephant-${name}-`) && candidate.endsWith(".tgz"));
      if (file === undefined) throw new Error(`release:pack made no tarball of @cachephant/${name} in ${dir}`);
      return join(dir, file);
    },
  };
}
