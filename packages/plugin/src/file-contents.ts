/**
 * The files a build's results depend on, each read once until it changes:
 * its bytes (what the core analyses), a short hash and its `mtime:size`
 * (what a remembered result checks), and the packages it imports.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { FileCheck } from "./build-cache.js";
import { ABSENT, hasErrorCode } from "@cachephant/core/scan";
import { signatureOf } from "./files.js";
import { importedPackages, PackageManifests } from "./package-imports.js";

export interface FileContent {
  bytes: Buffer | null;
  /** A short sha1 of the bytes, null when the file does not exist. */
  hash: string | null;
  /** `mtime:size` before it was read, null when the file does not exist. */
  signature: string | null;
  packages: () => Set<string>;
}

export class FileContents {
  private readonly contents = new Map<string, FileContent>();
  private readonly signatures = new Map<string, string | null>();
  private readonly manifests = new PackageManifests();

  /** One read per file until it changes: its hash, and the packages it imports when asked. */
  get(file: string): FileContent {
    let content = this.contents.get(file);
    if (content === undefined) {
      // The time and size before the read: a change during the read then
      // shows as a different time next build, and the file is read again.
      const signature = signatureOf(file);
      let bytes: Buffer | null = null;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        // Deleted: recorded as absent.
        if (!hasErrorCode(error, ABSENT)) throw error;
      }
      let packages: Set<string> | undefined;
      content = {
        bytes,
        signature,
        // 96 bits: enough to tell a file's contents apart, short to store for every dependency.
        hash: bytes === null ? null : createHash("sha1").update(bytes).digest("hex").slice(0, 24),
        packages: () => (packages ??= bytes === null ? new Set() : importedPackages(bytes.toString("utf8"))),
      };
      this.contents.set(file, content);
    }
    return content;
  }

  /** A file's `mtime:size` now (null: absent), stat'ed once until it changes. */
  signature(file: string): string | null {
    let now = this.signatures.get(file);
    if (now === undefined) {
      now = signatureOf(file);
      this.signatures.set(file, now);
    }
    return now;
  }

  /** Signatures a project scan just took: no need to stat those files again. */
  knowSignatures(signatures: ReadonlyMap<string, string>): void {
    for (const [file, signature] of signatures) if (!this.signatures.has(file)) this.signatures.set(file, signature);
  }

  /** The files read so far, each with the `mtime:size` it had (null: absent). */
  filesRead(): Array<[file: string, signature: string | null]> {
    return [...this.contents].map(([file, content]) => [file, content.signature]);
  }

  /** A file changed, was created or deleted (no file: anything may have). */
  forget(file?: string): void {
    if (file === undefined) {
      this.contents.clear();
      this.signatures.clear();
    } else {
      this.contents.delete(file);
      this.signatures.delete(file);
    }
    this.manifests.clear();
  }

  /** The dependencies with their hashes, and the package.json of each package they or the module import. */
  checksFor(file: string, code: string, dependencies: readonly string[]): FileCheck[] {
    const checks = new Map<string, FileCheck>();
    const add = (path: string) => {
      const content = this.get(path);
      checks.set(path, [path, content.hash, content.signature]);
      return content;
    };
    const addPackage = (importer: string, name: string) => {
      const manifest = this.manifests.find(dirname(importer), name);
      if (manifest) add(manifest);
    };
    for (const name of importedPackages(code)) addPackage(file, name);
    for (const dependency of dependencies) {
      for (const name of add(dependency).packages()) addPackage(dependency, name);
    }
    return [...checks.values()];
  }

  /** Whether a file still has the content a check recorded: same time and size, or else the same hash. */
  holds([file, hash, signature]: FileCheck): boolean {
    const now = this.signature(file);
    if (signature !== null && now === signature) return true;
    return this.get(file).hash === hash;
  }
}
