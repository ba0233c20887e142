/**
 * Where an entry's parts live in Redis, per namespace
 * (`CACHEPHANT_REMOTE_NAMESPACE`):
 *
 *   cachephant:r2:[<namespace>:]{<entry key>}            head
 *   cachephant:r2:[<namespace>:]{<entry key>}:<id>:<i>   chunk i
 *   cachephant:r2:[<namespace>:]{<entry key>}:lock       lock
 *   cachephant:r2:[<namespace>:]conflicts                recent conflicts (a list)
 *
 * `{...}` is a Redis Cluster hash tag, so an entry's head, chunks and lock
 * live on one node. A namespace is letters, digits and `._/-` (no glob
 * characters, no `:`), so one namespace's patterns never match another's.
 */

/** Every Redis key Cachephant writes starts with this. */
export const REMOTE_PREFIX = "cachephant:r2:";

const NAMESPACE = /^[A-Za-z0-9._/-]{1,100}$/;

export function isNamespace(value: string): boolean {
  return NAMESPACE.test(value);
}

export class RemoteLayout {
  /** `cachephant:r2:` or `cachephant:r2:<namespace>:`. */
  readonly prefix: string;
  /** The list of recent conflicts (`ls --remote` shows it). */
  readonly conflictsKey: string;
  /** Matches the heads of this namespace (and nothing of another). */
  readonly headPattern: string;
  /** Matches every key of this namespace's entries: heads, chunks, locks. */
  readonly entryPattern: string;

  constructor(readonly namespace: string) {
    this.prefix = namespace === "" ? REMOTE_PREFIX : `${REMOTE_PREFIX}${namespace}:`;
    this.conflictsKey = `${this.prefix}conflicts`;
    this.headPattern = `${this.prefix}{*}`;
    this.entryPattern = `${this.prefix}{*`;
  }

  head(entryKey: string): string {
    return `${this.prefix}{${entryKey}}`;
  }

  chunk(entryKey: string, id: string, index: number): string {
    return `${this.head(entryKey)}:${id}:${index}`;
  }

  lock(entryKey: string): string {
    return `${this.head(entryKey)}:lock`;
  }

  /** What an entry's signature covers as its name: the namespace and the entry key. */
  signedName(entryKey: string): string {
    return this.namespace === "" ? entryKey : `${this.namespace}:${entryKey}`;
  }

  /** The entry key of one of this namespace's heads, or undefined for a chunk, a lock or another key. */
  entryKeyOf(redisKey: string): string | undefined {
    if (!redisKey.startsWith(`${this.prefix}{`) || !redisKey.endsWith("}")) return undefined;
    const key = redisKey.slice(this.prefix.length + 1, -1);
    return key.includes("}") ? undefined : key;
  }
}
