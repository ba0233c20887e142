/** One build's resolution fingerprint (see `index.ts`), with file digests remembered across builds. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ABSENT, hasErrorCode } from "@cachephant/core/scan";
import { signatureOf } from "../files.js";
import {
  bytesDigest,
  type Digest,
  linkedTsconfig,
  lockfiles,
  manifestDigest,
  nearestFile,
  nearestTsconfigs,
  tsconfigDigest,
} from "./config-files.js";
import { stableText } from "./stable-text.js";

/** Remembered digests: by file, its `mtime:size`, the digest of what it says about resolution, and the files it links to (tsconfig). */
export type DigestMemo = Record<string, [signature: string, digest: string | null, links: string[]]>;

export interface ResolutionFingerprintOptions {
  /** Reads and writes the remembered digests (a side file of the build cache). */
  read: () => unknown;
  write: (memo: DigestMemo) => void;
}

/** The fingerprint of one build's resolution (see `index.ts`), with file digests remembered across builds. */
export class ResolutionFingerprint {
  private memo: DigestMemo | undefined;

  constructor(private readonly options: ResolutionFingerprintOptions) {}

  /**
   * @param root the project root (lockfile, `package.json` and tsconfig are looked up from it)
   * @param settings the bundler's resolve settings (see the `*ResolveSettings` functions)
   * @param tsconfigs tsconfig files besides the nearest one: the project scan's, the bundler's `tsconfig` option
   */
  compute(root: string, settings: unknown, tsconfigs: Iterable<string> = []): string {
    const memo = this.loadMemo();
    let changed = false;
    const digestOf = (file: string, read: (bytes: Buffer) => Digest): Digest => {
      const signature = signatureOf(file);
      if (signature === null) return { digest: null, links: [] };
      const known = memo[file];
      if (known && known[0] === signature) return { digest: known[1], links: known[2] };
      let bytes: Buffer | null = null;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        // A folder, a file gone since its stat, or one it may not read: taken as absent.
        if (!hasErrorCode(error, [...ABSENT, "EISDIR", "EACCES", "EPERM"])) throw error;
      }
      const found = bytes === null ? { digest: null, links: [] } : read(bytes);
      memo[file] = [signature, found.digest, found.links];
      changed = true;
      return found;
    };

    const hash = createHash("sha256").update("cachephant-resolution 1\0").update(stableText(settings)).update("\0");

    // The lockfile: what is installed.
    for (const file of lockfiles(root)) hash.update(`lockfile ${file} ${digestOf(file, bytesDigest).digest}\0`);

    // The project's package.json: `imports` (`#internal`), and `exports` for imports of itself by name.
    const manifest = nearestFile(root, "package.json");
    if (manifest) hash.update(`package ${manifest} ${digestOf(manifest, manifestDigest).digest}\0`);

    // tsconfig files, with what they extend and reference; in path order
    // (the scan lists them in the order the file system does).
    const pending = [...nearestTsconfigs(root), ...tsconfigs];
    const seen = new Map<string, string>();
    while (pending.length > 0) {
      const file = resolve(pending.pop()!);
      if (seen.has(file)) continue;
      const { digest, links } = digestOf(file, tsconfigDigest);
      let line = `tsconfig ${file} ${digest}`;
      for (const link of links) {
        const target = linkedTsconfig(dirname(file), link);
        if (target) pending.push(target);
        else line += ` missing ${link}`;
      }
      seen.set(file, line);
    }
    for (const file of [...seen.keys()].sort()) hash.update(`${seen.get(file)}\0`);

    if (changed) this.options.write(memo);
    return hash.digest("hex");
  }

  private loadMemo(): DigestMemo {
    if (this.memo) return this.memo;
    const saved = this.options.read();
    const memo: DigestMemo = {};
    if (typeof saved === "object" && saved !== null && !Array.isArray(saved)) {
      for (const [file, entry] of Object.entries(saved)) {
        if (
          Array.isArray(entry) &&
          typeof entry[0] === "string" &&
          (typeof entry[1] === "string" || entry[1] === null) &&
          Array.isArray(entry[2]) &&
          entry[2].every((link: unknown) => typeof link === "string")
        ) {
          memo[file] = [entry[0], entry[1], entry[2]];
        }
      }
    }
    return (this.memo = memo);
  }
}
