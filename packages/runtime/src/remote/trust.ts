/**
 * Whose entries a process accepts, and how it signs what it writes.
 *
 * - Ed25519 (`CACHEPHANT_REMOTE_SIGNING_KEY`, `CACHEPHANT_REMOTE_TRUSTED_KEYS`):
 *   a writer holds a private key; a reader holds only public keys, so a
 *   machine that can verify cannot forge. A key is named by its id (the
 *   first 16 hex digits of the SHA-256 of its public key), which a head
 *   carries so that a reader picks the key without trying each.
 * - HMAC-SHA256 (`CACHEPHANT_REMOTE_KEY`): one shared secret; whoever can
 *   verify can also sign.
 * - Insecure (`CACHEPHANT_REMOTE_INSECURE=1`): a SHA-256 checksum only; it
 *   catches damage, not forgery.
 *
 * Each tag is over a 32-byte digest of the entry (`format.ts`), so a
 * 100 MB entry is hashed once, in chunks, and signed in constant time.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CachephantError } from "@cachephant/core/scan";

export type Signature = "ed25519" | "hmac-sha256" | "sha256";

export interface SigningKey {
  readonly id: string;
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
}

export type Trust =
  | {
      readonly kind: "ed25519";
      /** Absent: this process only reads. */
      readonly signer: SigningKey | undefined;
      /** Accepted public keys by id (the signer's own included). */
      readonly trusted: ReadonlyMap<string, KeyObject>;
    }
  | { readonly kind: "hmac"; readonly secret: string }
  | { readonly kind: "insecure" };

/** A key setting that cannot be used: the message names the setting and the fix. */
export class RemoteKeyError extends CachephantError {
  readonly code = "CACHEPHANT_REMOTE_BAD_KEY";
}

/** Bytes of each kind of tag. */
export function tagBytes(signature: Signature): number {
  return signature === "ed25519" ? 64 : 32;
}

/** The id of a public key: a short hash of its SPKI form (what `cachephant remote keygen` prints). */
export function keyId(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

/** The private key of `CACHEPHANT_REMOTE_SIGNING_KEY` (a PEM file's path or the PEM text). */
export function loadSigningKey(value: string, setting: string): SigningKey {
  const pem = readPem(value, setting);
  return remembered(signingKeys, pem, () => parseSigningKey(pem, setting));
}

/** The public keys of `CACHEPHANT_REMOTE_TRUSTED_KEYS`: comma-separated paths or PEM texts. */
export function loadTrustedKeys(value: string, setting: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const item of value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")) {
    const pem = readPem(item, setting);
    const { id, key } = remembered(publicKeys, pem, () => {
      const parsed = parsePublicKey(pem, item, setting);
      return { id: keyId(parsed), key: parsed };
    });
    keys.set(id, key);
  }
  if (keys.size === 0)
    throw new RemoteKeyError(`${setting} lists no key; give paths or PEM texts of public keys, separated by commas`);
  return keys;
}

// Settings are resolved again after each `configure()`: a key's PEM is parsed once per process.
const signingKeys = new Map<string, SigningKey>();
const publicKeys = new Map<string, { id: string; key: KeyObject }>();

function remembered<T>(cache: Map<string, T>, pem: string, parse: () => T): T {
  let value = cache.get(pem);
  if (value === undefined) cache.set(pem, (value = parse()));
  return value;
}

function parseSigningKey(pem: string, setting: string): SigningKey {
  if (!/-----BEGIN (?:ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new RemoteKeyError(
      `${setting} is not a PEM private key; use the .key file that \`cachephant remote keygen\` writes`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new RemoteKeyError(
      `${setting} could not be read as a private key (${(error as Error).message}); use the .key file that \`cachephant remote keygen\` writes`,
    );
  }
  expectEd25519(key, setting);
  const publicKey = createPublicKey(key);
  return { id: keyId(publicKey), key, publicKey };
}

function parsePublicKey(pem: string, item: string, setting: string): KeyObject {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new RemoteKeyError(
      `${setting} lists a private key (${describeItem(item)}); list public keys only (the .pub file that \`cachephant remote keygen\` writes)`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new RemoteKeyError(`${setting}: ${describeItem(item)} is not a PEM public key (${(error as Error).message})`);
  }
  expectEd25519(key, setting);
  return key;
}

/** A new Ed25519 key pair as PEM texts, and its id. */
export function generateKeyPair(): { privatePem: string; publicPem: string; id: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicPem: publicKey.export({ type: "spki", format: "pem" }) as string,
    id: keyId(publicKey),
  };
}

/** The signature kind (and signer) of what this process writes. */
export function signatureOf(trust: Trust): { signature: Signature; signer?: string } {
  if (trust.kind === "ed25519")
    return { signature: "ed25519", ...(trust.signer !== undefined ? { signer: trust.signer.id } : {}) };
  return { signature: SIGNATURE_OF[trust.kind] };
}

/** The tag of an entry's digest under `trust` (the caller checked it may write). */
export function tagOf(trust: Trust, digest: Buffer): { signature: Signature; signer?: string; tag: Buffer } {
  if (trust.kind === "ed25519") {
    if (trust.signer === undefined) throw new Error("this process has no signing key");
    return { signature: "ed25519", signer: trust.signer.id, tag: sign(null, digest, trust.signer.key) };
  }
  if (trust.kind === "hmac")
    return { signature: "hmac-sha256", tag: createHmac("sha256", trust.secret).update(digest).digest() };
  return { signature: "sha256", tag: digest };
}

/** Why a tag is not accepted under `trust`, as words for a warning; undefined when it is. */
export function checkTag(
  trust: Trust,
  signature: Signature,
  signer: string | undefined,
  digest: Buffer,
  tag: Buffer,
): { kind: string; reason: string } | undefined {
  if (signature !== SIGNATURE_OF[trust.kind]) {
    return {
      kind: `kind:${signature}`,
      reason: `it is ${IS[signature]}, and this machine accepts only ${ACCEPTS[trust.kind]}`,
    };
  }
  if (trust.kind === "ed25519") {
    const key = signer === undefined ? undefined : trust.trusted.get(signer);
    if (key === undefined) {
      return {
        kind: "untrusted",
        reason: `it is signed by key ${String(signer)}, which is not among CACHEPHANT_REMOTE_TRUSTED_KEYS`,
      };
    }
    return verify(null, digest, key, tag) ? undefined : BAD_SIGNATURE;
  }
  const wanted = tagOf(trust, digest).tag;
  if (wanted.length === tag.length && timingSafeEqual(wanted, tag)) return undefined;
  return trust.kind === "hmac" ? BAD_SIGNATURE : { kind: "damaged", reason: "its checksum does not match" };
}

const BAD_SIGNATURE = { kind: "bad-signature", reason: "its signature does not verify" };
const SIGNATURE_OF: Record<Trust["kind"], Signature> = { ed25519: "ed25519", hmac: "hmac-sha256", insecure: "sha256" };
const IS: Record<Signature, string> = {
  ed25519: "signed with Ed25519",
  "hmac-sha256": "signed with an HMAC key",
  sha256: "not signed",
};
const ACCEPTS: Record<Trust["kind"], string> = {
  ed25519: "Ed25519 signatures of its trusted keys (CACHEPHANT_REMOTE_TRUSTED_KEYS)",
  hmac: "signatures with its HMAC key (CACHEPHANT_REMOTE_KEY)",
  insecure: "unsigned entries (CACHEPHANT_REMOTE_INSECURE)",
};

function readPem(value: string, setting: string): string {
  if (value.includes("-----BEGIN")) return value;
  try {
    return readFileSync(resolve(value), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RemoteKeyError(
      `${setting}: cannot read the key file ${value} (${code}); give a PEM file's path or the PEM text`,
    );
  }
}

function expectEd25519(key: KeyObject, setting: string): void {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new RemoteKeyError(
      `${setting} holds an ${String(key.asymmetricKeyType)} key; Cachephant signs with Ed25519 (\`cachephant remote keygen\` makes a pair)`,
    );
  }
}

function describeItem(item: string): string {
  return item.includes("-----BEGIN") ? "a PEM text" : item;
}
