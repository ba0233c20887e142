/**
 * The remote tier's settings: where (`CACHEPHANT_REMOTE` or the `remote`
 * setting), the signing key (`CACHEPHANT_REMOTE_KEY`) and whether this
 * machine may write (`CACHEPHANT_REMOTE_MODE`). Parsing only: nothing here
 * loads a Redis client.
 *
 * A bad value never breaks a call: it is one warning and the safe default
 * (no remote for a bad URL, read-only for a bad mode).
 */
import { warnOnce } from "../warn.js";

/** Whether this machine writes to the remote (`readwrite`) or only reads it (`read`). */
export type RemoteMode = "readwrite" | "read";

export interface RemoteSettings {
  /** `redis://` or `rediss://` URL, credentials included. Never printed: see `redactUrl`. */
  readonly url: string;
  /** HMAC key for signing and verifying entries; absent: entries carry a plain checksum. */
  readonly key: string | undefined;
  readonly mode: RemoteMode;
}

const READ_WORDS = new Set(["read", "readonly", "read-only", "ro"]);
const WRITE_WORDS = new Set(["readwrite", "read-write", "rw", "write"]);

/** The remote settings from the environment and `configure({ remote })`, or undefined when there is no remote. */
export function resolveRemote(
  env: Readonly<Record<string, string | undefined>>,
  configured: string | undefined,
): RemoteSettings | undefined {
  const fromEnv = env.CACHEPHANT_REMOTE;
  const url = fromEnv !== undefined && fromEnv !== "" ? fromEnv : configured;
  if (url === undefined || url === "" || url === "off") return undefined;
  const source = fromEnv !== undefined && fromEnv !== "" ? "CACHEPHANT_REMOTE" : "the remote setting";
  if (!isRedisUrl(url)) {
    warnOnce(
      `remote-url:${source}`,
      `${source} is not a redis:// or rediss:// URL (${redactUrl(url)}); running without the remote tier`,
    );
    return undefined;
  }
  const key = env.CACHEPHANT_REMOTE_KEY;
  return { url, key: key === undefined || key === "" ? undefined : key, mode: remoteMode(env.CACHEPHANT_REMOTE_MODE) };
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

export function isRedisUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "redis:" || parsed.protocol === "rediss:") && parsed.hostname !== "";
  } catch {
    return false;
  }
}

/** The URL as output may show it: no user name, no password, no query. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(an unparseable URL)";
  }
}
