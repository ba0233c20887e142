import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildFailure, type BuildOptions, type BuildResult } from "esbuild";
import cachephant from "../../src/esbuild.js";

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), "../../../runtime");

/** A throwaway project on disk that depends on the runtime, as a user's does. */
export class TempProject {
  readonly root = mkdtempSync(join(tmpdir(), "cachephant-plugin-"));

  constructor() {
    mkdirSync(join(this.root, "node_modules", "@cachephant"), { recursive: true });
    symlinkSync(runtimeDir, join(this.root, "node_modules", "@cachephant", "runtime"), "dir");
    this.write("package.json", JSON.stringify({ name: "temp-project", private: true, type: "module" }));
  }

  write(file: string, content: string): this {
    const path = join(this.root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return this;
  }

  read(file: string): string {
    return readFileSync(join(this.root, file), "utf8");
  }

  path(file: string): string {
    return join(this.root, file);
  }

  /**
   * Bundles `src/main.ts` with esbuild and a new plugin instance (as a new
   * build process would), or the plugins and other options given; returns the output.
   */
  async esbuild(entry = "src/main.ts", options: BuildOptions = {}): Promise<string> {
    const result: BuildResult = await build({
      absWorkingDir: this.root,
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      outfile: "out/main.mjs",
      plugins: [cachephant({ root: this.root })],
      logLevel: "silent",
      ...options,
    });
    return result.outputFiles![0]!.text;
  }

  /** Expects the esbuild build to fail; returns the failure. */
  async esbuildFailure(entry = "src/main.ts"): Promise<BuildFailure> {
    try {
      await this.esbuild(entry);
    } catch (error) {
      return error as BuildFailure;
    }
    throw new Error("the build succeeded, but it should have failed");
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The hashes the rewritten code carries, in order. */
export function hashesIn(code: string): string[] {
  return [...code.matchAll(/hash: "([0-9a-f]+)"/g)].map((match) => match[1]!);
}
