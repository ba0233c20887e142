/**
 * Who is computing: the recorder of the cached call whose async context is
 * running (an `AsyncLocalStorage`), and what it has seen so far. The hooks
 * (`hooks.ts`) call `note()` on every read; a note is kept only by the call
 * whose context did the read, and by the cached calls enclosing it, so
 * concurrent calls never see each other's reads.
 *
 * Nothing here runs before the first cached call computes: the storage and
 * the hooks are made then (`startRecording`).
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { InputRecord } from "./format.js";
import { isInputRecords, recordId } from "./format.js";
import { isSystemError } from "@cachephant/core/scan";

/** What a hook saw, before it is fingerprinted: a kind and what it names (an absolute path, a variable). */
export type ObservationKind = "env" | "envkeys" | "argv" | "cwd" | "file" | "stat" | "exists" | "dir" | "dirr";

export interface Observation {
  readonly kind: ObservationKind;
  /** Absolute path, environment variable name, or "" for argv, cwd and the env's key list. */
  readonly subject: string;
  /**
   * What the hook saw at the first read, when it can tell cheaply: the
   * variable's value, argv, cwd, a stat (see `hooks.ts`). The entry keeps
   * that, not what is there when the call ends.
   */
  readonly seen?: unknown;
}

/** The reads of one computing cached call. */
export class Recorder {
  /** What the call's own context read (and its nested calls' contexts), by `kind:subject`. */
  readonly seen = new Map<string, Observation>();
  /** Inputs of nested cached calls as their entries hold them, by record id (they win over `seen`). */
  readonly adopted = new Map<string, InputRecord>();
  /** Set once the call has finished computing: later reads (stray background work) are dropped. */
  closed = false;

  constructor(readonly parent: Recorder | undefined) {}

  /** Adds inputs a nested call recorded (a hit's entry, or its own computation) to this call and those enclosing it. */
  adopt(records: readonly InputRecord[]): void {
    for (let r: Recorder | undefined = this; r !== undefined; r = r.parent) {
      if (r.closed) continue;
      for (const record of records) {
        const id = recordId(record);
        if (!r.adopted.has(id)) r.adopted.set(id, record);
      }
    }
  }
}

let storage: AsyncLocalStorage<Recorder | undefined> | undefined;
/**
 * Number of calls computing right now. While it is 0 a hook does not even
 * ask the storage: the cost of a hooked function outside any call is this
 * one comparison.
 */
let computing = 0;

/** The recorder of the current async context, if a cached call is computing in it. */
export function activeRecorder(): Recorder | undefined {
  if (computing === 0 || storage === undefined) return undefined;
  const recorder = storage.getStore();
  return recorder === undefined || recorder.closed ? undefined : recorder;
}

/**
 * Records one read in the current context's recorder and its enclosing ones;
 * `capture`, when given, runs at the first read of the input by the
 * innermost call (what it returns is `Observation.seen`). Never throws.
 */
export function note(kind: ObservationKind, subject: string, capture?: () => unknown): void {
  const recorder = activeRecorder();
  if (recorder === undefined) return;
  const id = `${kind}:${subject}`;
  let observation = recorder.seen.get(id);
  if (observation === undefined) {
    let seen: unknown;
    if (capture !== undefined) {
      try {
        seen = capture();
      } catch (error) {
        if (!isSystemError(error)) throw error;
        seen = undefined;
      }
    }
    observation = capture === undefined ? { kind, subject } : { kind, subject, seen };
  }
  for (let r: Recorder | undefined = recorder; r !== undefined; r = r.parent) {
    if (!r.closed && !r.seen.has(id)) r.seen.set(id, observation);
  }
}

/**
 * Runs `fn` (a cached call's own body) with a new recorder nested in
 * `parent`, and returns its result with the recorder. Installs the hooks
 * before the first one.
 */
export async function recordWhile<T>(
  parent: Recorder | undefined,
  install: () => void,
  fn: () => Promise<T>,
): Promise<{ value: T; recorder: Recorder }> {
  if (storage === undefined) {
    // Loaded here, not at import: a process that only serves hits never loads async_hooks.
    storage = new (process.getBuiltinModule("node:async_hooks").AsyncLocalStorage)<Recorder | undefined>();
    install(); // never throws (index.ts)
  }
  const recorder = new Recorder(parent);
  computing += 1;
  try {
    const value = await storage.run(recorder, fn);
    return { value, recorder };
  } finally {
    computing -= 1;
    recorder.closed = true;
    // Nobody computes: turn the storage off, so promises made meanwhile (hits) pay no async-hooks
    // cost on Node versions that track contexts with them. The next `run` turns it on again.
    if (computing === 0) storage.disable();
  }
}

/** Runs `fn` in the context of `recorder` (a cached call computing), or as is when undefined. */
export function runAs<T>(recorder: Recorder | undefined, fn: () => T): T {
  return recorder === undefined || storage === undefined ? fn() : storage.run(recorder, fn);
}

/**
 * Runs `fn` outside any recorder: the runtime's own work for a nested call
 * (settings, keying, store reads and writes, locks) is not an input of the
 * call that encloses it.
 */
export function outsideRecording<T>(fn: () => T): T {
  return storage === undefined ? fn() : storage.run(undefined, fn);
}

/** Adds the inputs of a nested call's entry (a hit, or a call it joined) to the calls enclosing it. */
export function adoptInputs(parent: Recorder | undefined, inputs: unknown): void {
  if (parent !== undefined && isInputRecords(inputs)) parent.adopt(inputs);
}

/** For tests: whether the current context records. */
export function isRecording(): boolean {
  return activeRecorder() !== undefined;
}
