/**
 * The remote tier's settings: where (`CACHEPHANT_REMOTE` or the `remote`
 * setting), whose entries to accept and how to sign (`trust.ts`), whether
 * this machine writes (`CACHEPHANT_REMOTE_MODE`) and the namespace
 * (`CACHEPHANT_REMOTE_NAMESPACE` or `remoteNamespace`). Parsing and reading
 * key files only: nothing here loads a Redis client.
 *
 * A bad value never breaks a call: it is one warning and the safe default
 * (no remote for a bad URL, key or namespace; read-only for a bad mode).
 * With no key at all the remote is not used, unless
 * `CACHEPHANT_REMOTE_INSECURE=1` asks for unsigned entries.
 */
import { createHash } from "node:crypto";
import { debugOnce, warnOnce } from "../warn.js";
import { isNamespace } from "./layout.js";
import { loadSigningKey, loadTrustedKeys, RemoteKeyError, type Trust } from "./trust.js";
import { isUrlError } from "@cachephant/core/scan";

/** Whether this machine writes to the remote (`readwrite`) or only reads it (`read`). */
export type RemoteMode = "readwrite" | "read";

export interface RemoteSettings {
  /** `redis://` or `rediss://` URL, credentials included. Never printed: see `redactUrl`. */
  readonly url: string;
  /** Whose entries are accepted, and how this machine signs. */
  readonly trust: Trust;
  readonly mode: RemoteMode;
  /** Prefix that keeps this namespace's entries apart; "" for none. */
  readonly namespace: string;
  /** Names these settings without secrets: one connection per distinct id. */
  readonly id: string;
}

/** The remote options of `configure()` this module reads. */
export interface ConfiguredRemote {
  readonly remote?: string | undefined;
  readonly remoteNamespace?: string | undefined;
  readonly remoteTrustedKeys?: string | readonly string[] | undefined;
}

const READ_WORDS = new Set(["read", "readonly", "read-only", "ro"]);
const WRITE_WORDS = new Set(["readwrite", "read-write", "rw", "write"]);
const TRUE_WORDS = new Set(["1", "on", "true", "yes"]);

/** The remote settings from the environment and `configure()`, or undefined when there is no remote. */
export function resolveRemote(
  env: Readonly<Record<string, string | undefined>>,
  configured: ConfiguredRemote,
  debug = false,
): RemoteSettings | undefined {
  const fromEnv = nonEmpty(env.CACHEPHANT_REMOTE);
  const url = fromEnv ?? configured.remote;
  if (url === undefined || url === "" || url === "off") return undefined;
  const source = fromEnv !== undefined ? "CACHEPHANT_REMOTE" : "the remote setting";
  if (!isRedisUrl(url)) {
    warnOnce(
      `remote-url:${source}`,
      `${source} is not a redis:// or rediss:// URL (${redactUrl(url)}); running without the remote tier`,
    );
    return undefined;
  }
  const namespace = nonEmpty(env.CACHEPHANT_REMOTE_NAMESPACE) ?? configured.remoteNamespace ?? "";
  if (namespace !== "" && !isNamespace(namespace)) {
    warnOnce(
      `remote-namespace:${namespace}`,
      `the remote namespace ${JSON.stringify(namespace)} (CACHEPHANT_REMOTE_NAMESPACE) may hold only letters, digits and . _ / - (at most 100); running without the remote tier`,
    );
    return undefined;
  }
  let trust: Trust | undefined;
  try {
    trust = resolveTrust(env, configured);
  } catch (error) {
    if (!(error instanceof RemoteKeyError)) throw error;
    warnOnce(`remote-key:${error.message}`, `${error.message}; running without the remote tier`);
    return undefined;
  }
  const label = redactUrl(url);
  if (trust === undefined) {
    warnOnce(
      `remote-untrusted:${label}`,
      `the remote cache ${label} is not used: no key says whose entries to trust. Set CACHEPHANT_REMOTE_TRUSTED_KEYS ` +
        "(and CACHEPHANT_REMOTE_SIGNING_KEY where results are written; `cachephant remote keygen` makes a pair), " +
        "or CACHEPHANT_REMOTE_KEY for a shared HMAC key, or CACHEPHANT_REMOTE_INSECURE=1 to share unsigned entries anyone with access to the Redis can forge",
    );
    return undefined;
  }
  let mode = remoteMode(env.CACHEPHANT_REMOTE_MODE);
  if (trust.kind === "ed25519" && trust.signer === undefined && mode === "readwrite") {
    mode = "read";
    if (debug)
      debugOnce(
        `remote-read:${label}`,
        `remote ${label}: read only (no CACHEPHANT_REMOTE_SIGNING_KEY; entries are checked against CACHEPHANT_REMOTE_TRUSTED_KEYS)`,
      );
  }
  const id = JSON.stringify([url, namespace, mode, trustId(trust)]);
  return { url, trust, mode, namespace, id };
}

/**
 * Ed25519 when a signing or a trusted key is set (the signing key's own
 * public key is trusted too), else HMAC with `CACHEPHANT_REMOTE_KEY`, else
 * checksums with the insecure opt-in, else undefined.
 * @throws RemoteKeyError for a key that cannot be used.
 */
function resolveTrust(
  env: Readonly<Record<string, string | undefined>>,
  configured: ConfiguredRemote,
): Trust | undefined {
  const signingValue = nonEmpty(env.CACHEPHANT_REMOTE_SIGNING_KEY);
  const configuredKeys = configured.remoteTrustedKeys;
  const trustedValue =
    nonEmpty(env.CACHEPHANT_REMOTE_TRUSTED_KEYS) ??
    (typeof configuredKeys === "string" ? configuredKeys : configuredKeys?.join(","));
  const hmac = nonEmpty(env.CACHEPHANT_REMOTE_KEY);
  if (signingValue !== undefined || nonEmpty(trustedValue) !== undefined) {
    const signer =
      signingValue === undefined ? undefined : loadSigningKey(signingValue, "CACHEPHANT_REMOTE_SIGNING_KEY");
    const trusted =
      nonEmpty(trustedValue) === undefined
        ? new Map()
        : loadTrustedKeys(trustedValue!, "CACHEPHANT_REMOTE_TRUSTED_KEYS");
    if (signer !== undefined) trusted.set(signer.id, signer.publicKey);
    if (hmac !== undefined) {
      warnOnce(
        "remote-key-ignored",
        "CACHEPHANT_REMOTE_KEY is ignored: Ed25519 keys (CACHEPHANT_REMOTE_SIGNING_KEY, CACHEPHANT_REMOTE_TRUSTED_KEYS) are set",
      );
    }
    return { kind: "ed25519", signer, trusted };
  }
  if (hmac !== undefined) return { kind: "hmac", secret: hmac };
  const insecure = nonEmpty(env.CACHEPHANT_REMOTE_INSECURE);
  if (insecure !== undefined && TRUE_WORDS.has(insecure.trim().toLowerCase())) return { kind: "insecure" };
  return undefined;
}

/** Names a trust without its secrets (key ids; a hash stands for the HMAC key). */
function trustId(trust: Trust): string {
  if (trust.kind === "ed25519")
    return `ed25519:${trust.signer?.id ?? "-"}:${[...trust.trusted.keys()].sort().join(",")}`;
  if (trust.kind === "hmac") return `hmac:${secretHash(trust.secret)}`;
  return "insecure";
}

function secretHash(secret: string): string {
  return createHash("sha256").update(`cachephant-settings\0${secret}`).digest("hex").slice(0, 16);
}

function remoteMode(raw: string | undefined): RemoteMode {
  if (raw === undefined || raw === "") return "readwrite";
  const word = raw.trim().toLowerCase();
  if (READ_WORDS.has(word)) return "read";
  if (WRITE_WORDS.has(word)) return "readwrite";
  warnOnce(
    `remote-mode:${raw}`,
    `CACHEPHANT_REMOTE_MODE=${JSON.stringify(raw)} is not understood (use read or readwrite); reading the remote without writing to it`,
  );
  return "read";
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

export function isRedisUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "redis:" || parsed.protocol === "rediss:") && parsed.hostname !== "";
  } catch (error) {
    if (!isUrlError(error)) throw error;
    return false;
  }
}

/** The URL as output may show it: no user name, no password, no query. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch (error) {
    if (!isUrlError(error)) throw error;
    return "(an unparseable URL)";
  }
}
