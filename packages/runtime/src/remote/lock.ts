/**
 * One computation across machines: a process that misses an entry in both
 * tiers takes a lock in Redis (`SET NX PX`) before computing it; others that
 * miss the same entry meanwhile wait for the entry instead of computing it
 * too. The holder deletes the lock with the entry's write; a holder that
 * dies (or whose function throws) releases it by expiry (`lockMs`).
 */
import { hostname } from "node:os";
import { UNAVAILABLE } from "./client.js";
import type { RemoteStore } from "./remote-store.js";
import { operationBudget, remoteTimings, sleep } from "./timing.js";

export type LockOutcome = "acquired" | "unavailable" | "taken";

export class RemoteLocks {
  /** Entry keys whose lock this process holds. */
  private readonly held = new Set<string>();

  constructor(private readonly remote: RemoteStore) {}

  /** Takes the lock of `key`; `taken` when another process holds it. */
  async acquire(key: string): Promise<LockOutcome> {
    if (this.held.has(key)) return "acquired";
    // The value says who computes, for someone looking at Redis.
    const holder = `${hostname()}:${process.pid}`;
    const reply = await this.remote.client.use("write", operationBudget(0), "taking a lock", (redis) =>
      redis.set(this.remote.layout.lock(key), holder, "PX", remoteTimings.lockMs, "NX"),
    );
    if (reply === UNAVAILABLE) return "unavailable";
    if (reply !== "OK") return "taken";
    this.held.add(key);
    return "acquired";
  }

  /**
   * Whether this process holds the lock of `key`, forgetting it: the caller
   * deletes the lock with the entry's write (if it has expired and another
   * process took it meanwhile, that process finds the entry written).
   */
  handOver(key: string): boolean {
    return this.held.delete(key);
  }

  /**
   * Gives up the lock of `key` when this process still holds it (the
   * computation threw or its result was not stored), so other machines do
   * not wait for its expiry. Never throws.
   */
  async release(key: string): Promise<void> {
    if (!this.held.delete(key)) return;
    await this.remote.client.use("write", operationBudget(0), "releasing a lock", (redis) =>
      redis.del(this.remote.layout.lock(key)),
    );
  }

  /** Whether another process holds the lock of `key` now (false when the remote cannot say). */
  async lockedElsewhere(key: string): Promise<boolean> {
    if (this.held.has(key)) return false;
    const exists = await this.remote.client.use("read", operationBudget(0), "checking a lock", (redis) =>
      redis.exists(this.remote.layout.lock(key)),
    );
    return exists !== UNAVAILABLE && exists > 0;
  }
}

/** Waits a poll interval. */
export function pause(): Promise<void> {
  return sleep(remoteTimings.lockPollMs);
}
