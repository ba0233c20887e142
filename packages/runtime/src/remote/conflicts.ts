/**
 * The recent conflicts of a namespace: a write that found another result
 * stored under the same key. Kept in Redis as a short list (newest first),
 * so that `cachephant ls --remote` shows them to whoever looks, from any
 * machine. A conflict means a function is not deterministic or its key
 * misses an input; the stored entry is kept (entries are immutable).
 */
import type { RedisConnection } from "./client.js";
import type { RemoteLayout } from "./layout.js";
import { isJsonError } from "@cachephant/core/scan";

/** Conflicts kept per namespace; older ones are dropped. */
const KEPT = 100;

export interface RemoteConflict {
  /** The entry key. */
  readonly key: string;
  /** The function's name and file. */
  readonly name: string;
  readonly file: string;
  /** When the conflicting write happened (ms since the epoch). */
  readonly at: number;
  /** SHA-256 of the stored content, and of the content the refused write computed. */
  readonly stored: string;
  readonly computed: string;
}

export async function recordConflict(
  redis: RedisConnection,
  layout: RemoteLayout,
  conflict: RemoteConflict,
): Promise<void> {
  await redis.lpush(layout.conflictsKey, JSON.stringify(conflict));
  await redis.ltrim(layout.conflictsKey, 0, KEPT - 1);
}

/** The namespace's recent conflicts, newest first (lines that are not conflicts are left out). */
export async function readConflicts(redis: RedisConnection, layout: RemoteLayout): Promise<RemoteConflict[]> {
  const lines = await redis.lrange(layout.conflictsKey, 0, KEPT - 1);
  return lines.flatMap((line) => {
    try {
      const value = JSON.parse(line) as Partial<RemoteConflict> | null;
      const ok =
        typeof value?.key === "string" &&
        typeof value.name === "string" &&
        typeof value.file === "string" &&
        typeof value.at === "number";
      return ok ? [value as RemoteConflict] : [];
    } catch (error) {
      if (!isJsonError(error)) throw error;
      return [];
    }
  });
}
