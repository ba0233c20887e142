/**
 * The connection to the remote: `ioredis`, loaded on first use (never when
 * no remote is configured), single node or Redis Cluster (detected from the
 * server, so one URL works for both).
 *
 * Every operation has a deadline and never throws: a fault is one warning
 * (per kind of fault and process) and the `UNAVAILABLE` answer, and the
 * remote is left alone for `retryAfterMs` (writes only, when it is full).
 * Sockets are unref'd, and ioredis never reconnects or queues by itself
 * (`retryStrategy: null`, `enableOfflineQueue: false`), so an open
 * connection never keeps a process from exiting: only a pending operation
 * does, until its deadline.
 */
import type { Cluster, Redis } from "ioredis";
import { importOptional } from "../optional-package.js";
import { warnOnce } from "../warn.js";
import { redactUrl, type RemoteSettings } from "./settings.js";
import { remoteTimings, withDeadline } from "./timing.js";
import { isUrlError } from "@cachephant/core/scan";

export type RedisConnection = Redis | Cluster;

/** The answer of an operation that could not run (the remote is down, slow, full or refused us). */
export const UNAVAILABLE = Symbol("remote unavailable");
export type Unavailable = typeof UNAVAILABLE;

type Purpose = "read" | "write";

export class RemoteClient {
  /** The URL without credentials, for messages. */
  readonly label: string;
  private connecting: Promise<RedisConnection> | undefined;
  private downUntil = 0;
  private writesBlockedUntil = 0;

  constructor(private readonly settings: RemoteSettings) {
    this.label = redactUrl(settings.url);
  }

  /** Whether an operation for `purpose` would be tried now. */
  usable(purpose: Purpose): boolean {
    const now = Date.now();
    return now >= this.downUntil && (purpose === "read" || now >= this.writesBlockedUntil);
  }

  /**
   * Runs `operation` on the connection within `budgetMs`. Returns its value,
   * or `UNAVAILABLE` after a fault (warned once). Never throws.
   */
  async use<T>(
    purpose: Purpose,
    budgetMs: number,
    what: string,
    operation: (redis: RedisConnection) => Promise<T>,
  ): Promise<T | Unavailable> {
    if (!this.usable(purpose)) return UNAVAILABLE;
    let redis: RedisConnection;
    try {
      redis = await this.connection();
    } catch (error) {
      this.fault(error, "connecting");
      return UNAVAILABLE;
    }
    try {
      return await withDeadline(operation(redis), budgetMs);
    } catch (error) {
      this.fault(error, what);
      return UNAVAILABLE;
    }
  }

  /** Closes the connection (the CLI, tests); the next operation connects again. */
  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    const redis = await connecting?.catch(() => undefined);
    if (redis !== undefined) await withDeadline(redis.quit(), remoteTimings.connectMs).catch(() => redis.disconnect());
  }

  private connection(): Promise<RedisConnection> {
    // The deadline is the server's: loading the client module is not counted.
    this.connecting ??= loadIoredis().then((ioredis) =>
      withDeadline(connect(ioredis, this.settings), remoteTimings.connectMs),
    );
    return this.connecting;
  }

  private fault(error: unknown, what: string): void {
    const kind = faultKind(error);
    const message = scrub(describe(rootCause(error)), this.settings.url);
    if (kind === "full") {
      // Reads still work; writes wait.
      this.writesBlockedUntil = Date.now() + remoteTimings.retryAfterMs;
      warnOnce(
        `remote-full:${this.label}`,
        `the remote cache ${this.label} is full (${message}); results are not written to it for now`,
      );
      return;
    }
    if (kind === "reply") {
      warnOnce(
        `remote-reply:${this.label}:${what}`,
        `the remote cache ${this.label} refused ${what} (${message}); computing instead`,
      );
      return;
    }
    this.downUntil = Date.now() + remoteTimings.retryAfterMs;
    const connecting = this.connecting;
    this.connecting = undefined;
    void connecting?.then(
      (redis) => redis.disconnect(),
      () => {},
    );
    const why =
      kind === "auth" ? `refused the credentials (${message})` : `is unreachable or too slow (${what}: ${message})`;
    warnOnce(
      `remote-down:${this.label}:${kind}`,
      `the remote cache ${this.label} ${why}; using the local cache only for now`,
    );
  }
}

type FaultKind = "full" | "auth" | "reply" | "connection";

function faultKind(error: unknown): FaultKind {
  const text = describe(error);
  const previous = (error as { previousErrors?: unknown[] } | undefined)?.previousErrors ?? [];
  if (/\bOOM\b/.test(text) || previous.some((e) => /\bOOM\b/.test(describe(e)))) return "full";
  if (/\b(NOAUTH|WRONGPASS|NOPERM)\b|invalid password|AUTH/.test(text)) return "auth";
  if (
    (error as { name?: string } | undefined)?.name === "ReplyError" &&
    !/LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN/.test(text)
  )
    return "reply";
  return "connection";
}

type Ioredis = typeof import("ioredis") & { default: typeof import("ioredis").default };
let loading: Promise<Ioredis> | undefined;

function loadIoredis(): Promise<Ioredis> {
  loading ??= importOptional<Ioredis>("ioredis", "ioredis", "the remote tier (CACHEPHANT_REMOTE)");
  return loading;
}

/** Opens a connection; a Redis Cluster node is recognized and reopened as a cluster client. */
async function connect(ioredis: Ioredis, settings: RemoteSettings): Promise<RedisConnection> {
  const RedisClass = ioredis.Redis ?? ioredis.default;
  const ClusterClass = ioredis.Cluster ?? ioredis.default.Cluster;
  const url = new URL(settings.url);
  const common = {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: remoteTimings.connectMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
  const single = new RedisClass(settings.url, common);
  const lastError = quietAndUnref(single);
  // A refused AUTH closes the connection: report why, not "Connection is closed".
  await single.connect().catch((error: unknown) => {
    throw lastError() ?? error;
  });
  const info = await single.info("cluster");
  if (!/cluster_enabled:1/.test(info)) return single;
  single.disconnect();
  const cluster = new ClusterClass([{ host: url.hostname, port: Number(url.port || 6379) }], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    slotsRefreshTimeout: remoteTimings.connectMs,
    maxRedirections: 4,
    redisOptions: {
      connectTimeout: remoteTimings.connectMs,
      maxRetriesPerRequest: 0,
      ...(url.username !== "" ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password !== "" ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    },
  });
  cluster.on("error", () => {});
  cluster.on("+node", (node: Redis) => quietAndUnref(node));
  await cluster.connect();
  return cluster;
}

/**
 * Errors are reported by the operation that meets them (returns the last
 * one the connection emitted); the socket must not hold the process.
 */
function quietAndUnref(redis: Redis): () => unknown {
  let last: unknown;
  redis.on("error", (error: unknown) => {
    last = error;
  });
  const unref = () => (redis as unknown as { stream?: { unref?(): void } }).stream?.unref?.();
  redis.on("connect", unref);
  unref();
  return () => last;
}

/** A transaction's own first error (`OOM ...`) rather than `EXECABORT Transaction discarded`. */
function rootCause(error: unknown): unknown {
  return (error as { previousErrors?: unknown[] } | undefined)?.previousErrors?.[0] ?? error;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // System errors (ECONNREFUSED, ETIMEDOUT) say what happened by their code.
  return code !== undefined && /^E[A-Z]+$/.test(code) && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message;
}

/** Removes the URL's password and user name from a message, in case a library repeated them. */
function scrub(message: string, url: string): string {
  let text = message;
  try {
    const parsed = new URL(url);
    for (const secret of [
      parsed.password,
      decodeURIComponent(parsed.password),
      parsed.username,
      decodeURIComponent(parsed.username),
    ]) {
      if (secret.length >= 3) text = text.split(secret).join("***");
    }
  } catch (error) {
    // An unparseable URL never got this far; a password that is not URI-encoded is matched as it is.
    if (!isUrlError(error) && !(error instanceof URIError)) throw error;
  }
  return text.split(url).join(redactUrl(url));
}
