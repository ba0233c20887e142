/**
 * How long the remote tier may make a call wait, and for how long it stays
 * out of the way after a fault. One object, so tests can shorten the waits.
 */
import { CachephantError } from "@cachephant/core/scan";
export const remoteTimings = {
  /** Connecting and the server's first answer (a paused server is noticed here). */
  connectMs: 1000,
  /** One read or small write, before the size allowance below. */
  operationMs: 1000,
  /** Size allowance for large entries: this many bytes per extra millisecond (5 MB/s). */
  bytesPerMs: 5000,
  /** The longest a computed result waits for its remote write; the write goes on in the background after. */
  writeWaitMs: 100,
  /** After a fault, the remote is left alone this long, then tried again. */
  retryAfterMs: 30_000,
  /** Expiry of the lock a process takes while it computes an entry other machines may want too. */
  lockMs: 30_000,
  /** How often a process waiting on another machine's lock looks for the entry. */
  lockPollMs: 50,
};

/** The deadline of an operation moving `bytes`. */
export function operationBudget(bytes: number): number {
  return remoteTimings.operationMs + Math.ceil(bytes / remoteTimings.bytesPerMs);
}

export class RemoteTimeoutError extends CachephantError {
  readonly code = "CACHEPHANT_REMOTE_TIMEOUT";
}

/**
 * `promise`, or a `RemoteTimeoutError` after `ms`. The timer is not unref'd on
 * purpose: while a remote operation is pending, it (not the Redis socket,
 * which is unref'd) keeps the process alive, so an awaited read never ends
 * the process early and nothing outlives its deadline.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RemoteTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for `promise` at most `ms` (it goes on after); never rejects. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => {}), elapsed]);
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
