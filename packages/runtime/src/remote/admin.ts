/**
 * Whole-remote operations behind `cachephant ls --remote` and
 * `clear --remote`: they scan every master for the keys of the configured
 * namespace (`SCAN`, never `KEYS`; another namespace's keys never match)
 * and read only the header of each entry (`GETRANGE`).
 * There is no remote `prune`: Redis keeps the remote's size itself
 * (`maxmemory` with `maxmemory-policy allkeys-lru`, docs/remote.md).
 */
import type { Cluster, Redis } from "ioredis";
import type { FunctionSummary } from "../api.js";
import { byFileAndName, sameFile } from "../entry-match.js";
import { UNAVAILABLE, type RedisConnection } from "./client.js";
import { readConflicts, type RemoteConflict } from "./conflicts.js";
import type { EntryHeader } from "./format.js";
import { readHeader, removeEntry, type RemoteStore } from "./remote-store.js";
import { operationBudget } from "./timing.js";
import { CachephantError } from "@cachephant/core/scan";
/** A whole-remote operation may take this long per key. */
const MS_PER_KEY = 2;

export interface RemoteEntry {
  readonly key: string;
  readonly header: EntryHeader;
}

export class RemoteUnavailableError extends CachephantError {
  readonly code = "CACHEPHANT_REMOTE_UNAVAILABLE";
}

/** The namespace's recent conflicts, newest first. */
export async function listConflicts(remote: RemoteStore): Promise<RemoteConflict[]> {
  const found = await remote.client.use("read", operationBudget(0), "listing conflicts", (redis) =>
    readConflicts(redis, remote.layout),
  );
  if (found === UNAVAILABLE) throw unavailable(remote);
  return found;
}

/** One row per cached function in the namespace (results only), sorted by file, then name. */
export async function listRemote(remote: RemoteStore): Promise<FunctionSummary[]> {
  const rows = new Map<string, FunctionSummary>();
  for (const { header } of await readEntries(remote)) {
    const { metadata } = header;
    if (metadata.kind !== "result") continue;
    const id = `${metadata.file}\0${metadata.name}`;
    const row = rows.get(id);
    if (row === undefined) {
      rows.set(id, {
        name: metadata.name,
        file: metadata.file,
        entries: 1,
        size: header.size,
        lastUsed: new Date(metadata.created),
      });
    } else {
      row.entries += 1;
      row.size += header.size;
      if (metadata.created > row.lastUsed.getTime()) row.lastUsed = new Date(metadata.created);
    }
  }
  return [...rows.values()].sort(byFileAndName);
}

export interface RemoteClearReport {
  /** The remote's URL without credentials. */
  readonly remote: string;
  readonly removedEntries: number;
  readonly freedBytes: number;
}

/** Removes every key of the namespace from the remote (its conflicts too), or the entries of one function or file. */
export async function clearRemote(
  remote: RemoteStore,
  target: { fn?: string; file?: string },
): Promise<RemoteClearReport> {
  const entries = await readEntries(remote);
  const matches = ({ header }: RemoteEntry) =>
    (target.fn === undefined || header.metadata.name === target.fn) &&
    (target.file === undefined || sameFile(header.metadata.file, target.file));
  const doomed = entries.filter(matches);
  const everything = target.fn === undefined && target.file === undefined;
  const done = await remote.client.use(
    "write",
    operationBudget(0) + MS_PER_KEY * entries.length,
    "clearing",
    async (redis) => {
      if (everything) {
        for (const node of masters(redis)) {
          for (const keys of await scanAll(node, remote.layout.entryPattern)) await unlinkOn(node, keys);
        }
        await redis.unlink(remote.layout.conflictsKey);
      } else {
        for (const entry of doomed) await removeEntry(redis, remote.layout, entry.key);
      }
      return true;
    },
  );
  if (done === UNAVAILABLE) throw unavailable(remote);
  return {
    remote: remote.client.label,
    removedEntries: doomed.filter((entry) => entry.header.metadata.kind === "result").length,
    freedBytes: doomed.reduce((sum, entry) => sum + entry.header.size, 0),
  };
}

/** The header of every entry in the namespace (entries whose head is damaged are left out). */
async function readEntries(remote: RemoteStore): Promise<RemoteEntry[]> {
  const found = await remote.client.use("read", 60_000, "listing", async (redis) => {
    const entries: RemoteEntry[] = [];
    for (const node of masters(redis)) {
      for (const keys of await scanAll(node, remote.layout.headPattern)) {
        for (const redisKey of keys) {
          const key = remote.layout.entryKeyOf(redisKey);
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
