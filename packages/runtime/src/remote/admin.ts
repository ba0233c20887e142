/**
 * Whole-remote operations behind `cachephant ls --remote` and
 * `clear --remote`: they scan every master for Cachephant's keys (`SCAN`,
 * never `KEYS`) and read only the header of each entry (`GETRANGE`).
 * There is no remote `prune`: Redis keeps the remote's size itself
 * (`maxmemory` with `maxmemory-policy allkeys-lru`, docs/remote.md).
 */
import type { Cluster, Redis } from "ioredis";
import type { FunctionSummary } from "../api.js";
import { UNAVAILABLE, type RedisConnection } from "./client.js";
import { entryKeyOf, parseHead, REMOTE_PREFIX, type EntryHeader } from "./format.js";
import { removeEntry, type RemoteStore } from "./remote-store.js";
import { operationBudget } from "./timing.js";

/** Bytes read per head to find its header (a header is a few hundred bytes). */
const HEADER_PROBE = 4096;
/** A whole-remote operation may take this long per key. */
const MS_PER_KEY = 2;

export interface RemoteEntry {
  readonly key: string;
  readonly header: EntryHeader;
}

export class RemoteUnavailableError extends Error {
  readonly code = "CACHEPHANT_REMOTE_UNAVAILABLE";
  override name = "RemoteUnavailableError";
}

/** One row per cached function in the remote (results only), sorted by file, then name. */
export async function listRemote(remote: RemoteStore): Promise<FunctionSummary[]> {
  const rows = new Map<string, FunctionSummary>();
  for (const { header } of await readEntries(remote)) {
    const { metadata } = header;
    if (metadata.kind !== "result") continue;
    const id = `${metadata.file}\0${metadata.name}`;
    const row = rows.get(id);
    if (row === undefined) {
      rows.set(id, { name: metadata.name, file: metadata.file, entries: 1, size: header.size, lastUsed: new Date(metadata.created) });
    } else {
      row.entries += 1;
      row.size += header.size;
      if (metadata.created > row.lastUsed.getTime()) row.lastUsed = new Date(metadata.created);
    }
  }
  return [...rows.values()].sort((a, b) => compare(a.file, b.file) || compare(a.name, b.name));
}

export interface RemoteClearReport {
  /** The remote's URL without credentials. */
  readonly remote: string;
  readonly removedEntries: number;
  readonly freedBytes: number;
}

/** Removes every Cachephant key from the remote, or the entries of one function or file. */
export async function clearRemote(remote: RemoteStore, target: { fn?: string; file?: string }): Promise<RemoteClearReport> {
  const entries = await readEntries(remote);
  const matches = ({ header }: RemoteEntry) =>
    (target.fn === undefined || header.metadata.name === target.fn) &&
    (target.file === undefined || sameFile(header.metadata.file, target.file));
  const doomed = entries.filter(matches);
  const everything = target.fn === undefined && target.file === undefined;
  const done = await remote.client.use("write", operationBudget(0) + MS_PER_KEY * entries.length, "clearing", async (redis) => {
    if (everything) {
      for (const node of masters(redis)) {
        for (const keys of await scanAll(node, `${REMOTE_PREFIX}*`)) await unlinkOn(node, keys);
      }
    } else {
      for (const entry of doomed) await removeEntry(redis, entry.key);
    }
    return true;
  });
  if (done === UNAVAILABLE) throw unavailable(remote);
  return {
    remote: remote.client.label,
    removedEntries: doomed.filter((entry) => entry.header.metadata.kind === "result").length,
    freedBytes: doomed.reduce((sum, entry) => sum + entry.header.size, 0),
  };
}

/** The header of every entry in the remote (entries whose head is damaged are left out). */
async function readEntries(remote: RemoteStore): Promise<RemoteEntry[]> {
  const found = await remote.client.use("read", 60_000, "listing", async (redis) => {
    const entries: RemoteEntry[] = [];
    for (const node of masters(redis)) {
      for (const keys of await scanAll(node, `${REMOTE_PREFIX}{*}`)) {
        for (const redisKey of keys) {
          const key = entryKeyOf(redisKey);
          if (key === undefined) continue;
          const header = await readHeader(redis, redisKey);
          if (header !== undefined) entries.push({ key, header });
        }
      }
    }
    return entries;
  });
  if (found === UNAVAILABLE) throw unavailable(remote);
  return found;
}

async function readHeader(redis: RedisConnection, redisKey: string): Promise<EntryHeader | undefined> {
  let probe = await redis.getrangeBuffer(redisKey, 0, HEADER_PROBE - 1);
  if (probe.length >= 8 && 8 + probe.readUInt32BE(4) + 32 > probe.length && probe.length === HEADER_PROBE) {
    probe = await redis.getrangeBuffer(redisKey, 0, 8 + probe.readUInt32BE(4) + 32 - 1);
  }
  // Only the header is wanted: present the probe as a head whose content is elsewhere.
  const parsed = parseHead(probe, { headerOnly: true });
  return typeof parsed === "string" ? undefined : parsed.header;
}

function masters(redis: RedisConnection): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
}

/** Batches of keys matching `pattern` on one node. */
async function scanAll(node: Redis, pattern: string): Promise<string[][]> {
  const batches: string[][] = [];
  let cursor = "0";
  do {
    const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) batches.push(keys);
  } while (cursor !== "0");
  return batches;
}

/** UNLINKs keys on the node that returned them (straight to the node: in a cluster they span slots). */
async function unlinkOn(node: Redis, keys: readonly string[]): Promise<void> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.unlink(key);
  await pipeline.exec();
}

function unavailable(remote: RemoteStore): RemoteUnavailableError {
  return new RemoteUnavailableError(`cannot reach the remote cache ${remote.client.label}`);
}

function sameFile(stored: string, wanted: string): boolean {
  const normalize = (path: string) => path.replaceAll("\\", "/").replace(/^\.\//, "");
  return normalize(stored) === normalize(wanted);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
