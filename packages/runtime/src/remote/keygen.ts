/**
 * `cachephant remote keygen [--out DIR]`: a new Ed25519 key pair for the
 * remote tier. The private key (`cachephant-remote.key`) is written with
 * owner-only permissions (0600) and goes into the writers' secrets
 * (`CACHEPHANT_REMOTE_SIGNING_KEY`); the public key (`cachephant-remote.pub`)
 * goes to every reader (`CACHEPHANT_REMOTE_TRUSTED_KEYS`). Existing files
 * are never overwritten.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateKeyPair } from "./trust.js";
import { CachephantError } from "@cachephant/core/scan";

export const PRIVATE_KEY_FILE = "cachephant-remote.key";
export const PUBLIC_KEY_FILE = "cachephant-remote.pub";

export interface KeyPairFiles {
  readonly id: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

/**
 * Writes a new key pair into `dir` (created owner-only when missing).
 * @throws KeyFileExistsError when a key file is there already; the file system's errors.
 */
export function writeKeyPair(dir: string): KeyPairFiles {
  const folder = resolve(dir);
  const privateKey = join(folder, PRIVATE_KEY_FILE);
  const publicKey = join(folder, PUBLIC_KEY_FILE);
  for (const file of [privateKey, publicKey]) {
    if (existsSync(file))
      throw new KeyFileExistsError(
        `${file} exists; keygen never overwrites a key (move it away, or give another --out)`,
      );
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const pair = generateKeyPair();
  // `wx`: fails when the file exists; the mode is set again in case of a umask.
  writeFileSync(privateKey, pair.privatePem, { flag: "wx", mode: 0o600 });
  chmodSync(privateKey, 0o600);
  writeFileSync(publicKey, pair.publicPem, { flag: "wx", mode: 0o644 });
  return { id: pair.id, privateKey, publicKey };
}

export class KeyFileExistsError extends CachephantError {
  readonly code = "CACHEPHANT_REMOTE_KEY_EXISTS";
}
