import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, vi } from "vitest";
import { configure, runCached, type CachedFunctionMeta } from "../src/index.js";
import { forgetStoredParts } from "../src/key-change.js";
import { forgetMarkers } from "../src/markers.js";
import { resetStoreFailures } from "../src/call/index.js";
import { resetWarnings } from "../src/warn.js";

const ENV_NAMES = [
  "CACHEPHANT",
  "CACHEPHANT_DIR",
  "CACHEPHANT_DEBUG",
  "CACHEPHANT_MAX_SIZE",
  "CACHEPHANT_CHECK",
  "CACHEPHANT_CHECK_REPORT",
] as const;

const created: string[] = [];

export function tempDir(prefix = "cachephant-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes the temp dirs made so far (registered by `useRuntime`; call it in other files). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let counter = 0;

/** Meta of a made-up cached function; each call names a new function unless `name` is given. */
export function makeMeta(overrides: Partial<CachedFunctionMeta> = {}): CachedFunctionMeta {
  counter += 1;
  return {
    hash: "hash-a",
    name: `fn${counter}`,
    file: "src/data.ts",
    line: 3,
    paths: ["args[0]", "args[1]", "args[2]"],
    ...overrides,
  };
}

/**
 * A cached function made of `meta` and `body`, counting the runs of its body,
 * called the way rewritten code calls the runtime (`scope` as the build's thunk).
 */
export function cached<A extends unknown[], T>(
  meta: CachedFunctionMeta,
  body: (...args: A) => Promise<T> | T,
  scope?: () => unknown[],
) {
  const counter = { runs: 0 };
  const call = (...args: A) =>
    runCached(
      meta,
      args,
      async (...values) => {
        counter.runs += 1;
        return body(...(values as A));
      },
      scope,
    );
  return Object.defineProperty(call, "runs", { get: () => counter.runs }) as typeof call & { readonly runs: number };
}

/** Resets the runtime's settings and process state to a fresh store in a temp dir. */
export function freshStore(extra: Parameters<typeof configure>[0] = {}): string {
  const dir = tempDir();
  configure({ dir, maxSize: undefined, enabled: undefined, debug: undefined, ...extra });
  return dir;
}

/**
 * Per test: a fresh store, no cachephant environment variables, warnings
 * forgotten, stderr captured. Returns accessors for the current test.
 */
export function useRuntime(): { dir(): string; stderr(): string[] } {
  let dir = "";
  let lines: string[] = [];
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of ENV_NAMES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    resetWarnings();
    resetStoreFailures();
    forgetMarkers();
    forgetStoredParts();
    dir = freshStore();
    lines = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    for (const name of ENV_NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    configure({ dir: undefined, maxSize: undefined, enabled: undefined, debug: undefined, memorySize: undefined });
  });
  afterAll(removeTempDirs);
  return { dir: () => dir, stderr: () => lines };
}

export function warnings(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith("cachephant: "));
}

export function debugLines(lines: readonly string[]): string[] {
  return lines.filter((line) => /^cachephant (hit|miss) /.test(line));
}

/** Content files of a cacache store (one per distinct stored value). */
export function contentFiles(dir: string): string[] {
  const root = join(dir, "content-v2");
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else files.push(child);
    }
  };
  try {
    walk(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return [];
  }
  return files;
}

/** A promise with its resolve/reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
