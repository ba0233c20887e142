/**
 * Two tiers behind the one `Store` interface `call/` talks to: the local
 * store first, the remote second. A local miss reads the remote; a remote
 * hit fills the local store (in the background); a computed result goes to
 * both, and the caller waits for the remote write at most `writeWaitMs`.
 * Per-function markers (debug hints) stay local.
 *
 * In read-write mode a miss in both tiers takes the entry's lock in Redis
 * before `call/` computes, and the `put` of the result deletes it; a
 * process that finds the lock taken waits for the entry (see `lock.ts`).
 */
import { MARKER_KEY_PREFIX } from "../markers.js";
import type { EntryMetadata, Lease, Store, StoreRead } from "../store/index.js";
import { RemoteLocks, pause } from "./lock.js";
import { RemoteStore } from "./remote-store.js";
import { remoteTimings, waitAtMost } from "./timing.js";

export class TieredStore implements Store {
  private readonly locks: RemoteLocks;
  /** Writes to either tier still running after their caller went on (tests and benchmarks wait on them). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly local: Store,
    readonly remote: RemoteStore,
  ) {
    this.locks = new RemoteLocks(remote);
  }

  get dir(): string {
    return this.local.dir;
  }

  async get(key: string): Promise<StoreRead> {
    const local = await this.local.get(key);
    if (local.status === "found" || isMarker(key)) return local;
    const remote = await this.readRemote(key);
    if (remote.status !== "found") return local;
    // After the caller has its value: the fill is off the hit's path.
    void this.track(nextTurn().then(() => this.local.put(key, remote.bytes, remote.metadata))); // tracked: settled() waits for it, and its failure is handled there
    return remote;
  }

  async put(key: string, bytes: Uint8Array, metadata: EntryMetadata): Promise<void> {
    if (metadata.kind !== "result" || !this.remote.writable) return this.local.put(key, bytes, metadata);
    // The write releases this process' lock on the entry in the same transaction.
    const remoteWrite = this.track(this.remote.write(key, bytes, metadata, this.locks.handOver(key)));
    try {
      await this.local.put(key, bytes, metadata);
    } finally {
      await waitAtMost(remoteWrite, remoteTimings.writeWaitMs);
    }
  }

  /**
   * The local lock between processes of this machine. Releasing it also
   * gives up this process' remote lock on the entry when no write took it
   * over (the function threw, or its result could not be stored).
   */
  async lock(key: string): Promise<Lease> {
    const local = await this.local.lock(key);
    return {
      release: () => {
        local.release();
        void this.track(this.locks.release(key)); // tracked: settled() waits for it, and its failure is handled there
      },
    };
  }

  /** Local only: remote entries are immutable (`cachephant clear --remote` removes them). */
  async remove(key: string): Promise<void> {
    await this.local.remove(key);
  }

  /** Resolves when the writes started so far have finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * The remote entry; on a miss in read-write mode, the entry's lock (so
   * this process computes it) or, when another process holds it, the entry
   * that process writes, waited for until its lock expires.
   */
  private async readRemote(key: string): Promise<StoreRead> {
    const giveUpAt = Date.now() + remoteTimings.lockMs;
    for (;;) {
      const read = await this.remote.read(key);
      if (read.status === "found" || !this.remote.client.usable("read")) return read;
      if (this.remote.writable) {
        const lock = await this.locks.acquire(key);
        if (lock === "acquired") {
          // The holder's write, which deletes its lock, may have landed
          // between the read and the lock: look once more before computing.
          const again = await this.remote.read(key);
          if (again.status !== "found") return read;
          await this.locks.release(key);
          return again;
        }
        if (lock === "unavailable") return read;
      } else if (!(await this.locks.lockedElsewhere(key))) {
        return read;
      }
      if (Date.now() >= giveUpAt) return read;
      await pause();
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.catch(() => {});
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return promise;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isMarker(key: string): boolean {
  return key.startsWith(MARKER_KEY_PREFIX);
}
