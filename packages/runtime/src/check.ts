/**
 * Check mode (`CACHEPHANT_CHECK`, docs/keys.md "Check mode"): a hit also
 * computes, and the fresh result's bytes (`encodeResult`, as the store writes
 * them) are compared with the stored ones.
 *
 * - the same bytes: the stored result is proven and returned;
 * - different bytes, and a second computation gives the first one's bytes
 *   again: the entry was **stale** (something the key does not cover
 *   changed). One warning, one report line; the fresh result is returned and
 *   stored over the entry;
 * - different bytes, and the second computation differs from the first (or
 *   throws): the function is **nondeterministic**. One warning, one report
 *   line; the first fresh result is returned, the entry is kept;
 * - a fresh result that cannot be encoded: not checked, the fresh result is
 *   returned and nothing is written;
 * - the first computation throws: the error goes to the caller, as an
 *   uncached call's would; the entry is kept.
 *
 * So a checked call always returns what an uncached call returns now.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { decodeResult, encodeResult } from "./codec.js";
import type { CachedFunctionMeta } from "./meta.js";
import { label, warnOnce } from "./warn.js";
import { isJsonError } from "@cachephant/core/scan";

/** Whether this hit is checked: every hit at 1, none at 0, else a random share. */
export function sampled(share: number): boolean {
  return share >= 1 || (share > 0 && Math.random() < share);
}

export interface CheckInput {
  readonly meta: CachedFunctionMeta;
  /** The entry's key. */
  readonly key: string;
  /** The hit: its decoded value and the bytes it was decoded from. */
  readonly stored: { readonly value: unknown; readonly bytes: Uint8Array };
  /** Runs the function's body on the call's values. */
  readonly compute: () => Promise<unknown>;
  /** Absolute path of the report file (`CACHEPHANT_CHECK_REPORT`), if any. */
  readonly reportFile?: string | undefined;
}

export interface CheckedHit {
  /** What the caller gets. */
  readonly value: unknown;
  /** Bytes calls that joined this one decode their copies from; absent: they share `value`. */
  readonly bytes?: Buffer | Uint8Array;
  /** Bytes to store over the entry (a stale entry). */
  readonly rewrite?: Buffer;
  /** What the check found, for the call's debug line (`checked: the same result`). */
  readonly note: string;
  readonly finding?: Finding;
}

export type FindingKind = "stale" | "nondeterministic";

/** One line of the report file (docs/keys.md lists the fields; they are stable). */
export interface Finding {
  readonly kind: FindingKind;
  /** The function, as the build names it (`loadReport`, `Api.fetch`). */
  readonly function: string;
  /** Its file, relative to the project root at build time, and 1-based line. */
  readonly file: string;
  readonly line: number;
  /** Its code hash (the build's hash of its code and everything it reaches). */
  readonly hash: string;
  /** The entry's key in the store: `cachephant:v2:<code hash>:<digest of the resolved inputs>`. */
  readonly key: string;
  /** What the key covered. */
  readonly covered: Covered;
  /** When it was found (ISO 8601). */
  readonly time: string;
  /** The process that found it. */
  readonly pid: number;
}

export interface Covered {
  /** The code hash. */
  readonly code: string;
  /** The parameters keyed by value (`args[0]`, `args[1].id`), in order; ignored ones left out. */
  readonly arguments: readonly string[];
  /** Parameters named in `ignore=`, which the key left out. */
  readonly ignored: readonly string[];
  /** Outside variables keyed by their value at call time. */
  readonly scope: readonly string[];
  /** Module state keyed by its value at call time, as `file:name`. */
  readonly state: readonly string[];
  /** What the code hash is made of: `own code`, `helper tax (src/tax.ts)`, `package lodash`… */
  readonly reaches: readonly string[];
}

/**
 * Computes the hit's function again and compares (see the module's comment).
 * @throws what the first fresh computation throws.
 */
export async function checkHit(input: CheckInput): Promise<CheckedHit> {
  const { stored } = input;
  const first = await input.compute();
  const firstBytes = tryEncode(first);
  if (typeof firstBytes === "string") {
    return { value: first, note: `not checked: the fresh result cannot be stored (${firstBytes}); it is returned` };
  }
  if (sameBytes(firstBytes, stored))
    return { value: stored.value, bytes: stored.bytes, note: "checked: the same result" };

  let secondBytes: Buffer | string;
  try {
    secondBytes = tryEncode(await input.compute());
  } catch (error) {
    secondBytes = `it threw (${error instanceof Error ? error.message : String(error)})`;
  }
  if (typeof secondBytes === "string" || !firstBytes.equals(secondBytes)) {
    const finding = record(input, "nondeterministic");
    return {
      value: first,
      bytes: firstBytes,
      note: "checked: nondeterministic, two fresh results differ; the first is returned, the entry kept",
      finding,
    };
  }
  const finding = record(input, "stale");
  return {
    value: first,
    bytes: firstBytes,
    rewrite: firstBytes,
    note: "checked: stale, the fresh result differs from the stored one; the fresh one is returned and stored",
    finding,
  };
}

/** The encoded result, or why it cannot be encoded. */
function tryEncode(value: unknown): Buffer | string {
  try {
    return encodeResult(value);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The same bytes as stored; else the same bytes as the stored value encoded
 * now (an entry written by another version of Node may be in another version
 * of V8's format).
 */
function sameBytes(fresh: Buffer, stored: CheckInput["stored"]): boolean {
  if (fresh.equals(stored.bytes)) return true;
  try {
    return fresh.equals(encodeResult(decodeResult(stored.bytes)));
  } catch {
    // catch-all: bytes another V8 wrote may fail to decode or encode in any way; then they differ.
    return false;
  }
}

/** What the key of a function covers, from its meta. */
export function coveredBy(meta: CachedFunctionMeta): Covered {
  const ignore = new Set(meta.ignore ?? []);
  return {
    code: meta.hash,
    arguments: meta.paths.filter((_, i) => !ignore.has(i)),
    ignored: meta.paths.filter((_, i) => ignore.has(i)),
    scope: [...(meta.scope ?? [])],
    state: (meta.state ?? []).map(([file, name]) => `${file}:${name}`),
    reaches: depLabels(meta.deps),
  };
}

function depLabels(deps: string | undefined): string[] {
  if (deps === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(deps);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((pair) => (Array.isArray(pair) && typeof pair[0] === "string" ? [pair[0]] : []));
  } catch (error) {
    if (!isJsonError(error)) throw error;
    return [];
  }
}

/** Warns (once per function and kind) and appends the finding to the report file. */
function record(input: CheckInput, kind: FindingKind): Finding {
  const { meta } = input;
  const covered = coveredBy(meta);
  const finding: Finding = {
    kind,
    function: meta.name,
    file: meta.file,
    line: meta.line,
    hash: meta.hash,
    key: input.key,
    covered,
    time: new Date().toISOString(),
    pid: process.pid,
  };
  warnOnce(`check:${kind}:${label(meta)}`, findingWarning(meta, kind, covered));
  if (input.reportFile !== undefined) appendFinding(input.reportFile, finding);
  return finding;
}

function findingWarning(meta: CachedFunctionMeta, kind: FindingKind, covered: Covered): string {
  if (kind === "nondeterministic") {
    return (
      `nondeterministic: ${label(meta)}: two fresh computations with the same inputs gave different results, ` +
      `so its cached results cannot be checked (the first fresh result is returned, the entry kept). ` +
      `Randomness, the clock or another changing source makes them differ: pass it as an argument, or do not cache the function.`
    );
  }
  return (
    `stale: ${label(meta)}: the stored result differs from a fresh one (the fresh one is returned and stored). ` +
    `Its key covered ${describeCovered(covered)}; ` +
    `something else it reads changed (the network, the clock, a global, a file read at run time): ` +
    `pass it as an argument, or give the function a ttl=.`
  );
}

const MAX_LISTED = 6;

/** `code 1a2b3c4d, arguments args[0], outside variables rate, state src/h.ts:mode, reaching own code, package lodash`. */
export function describeCovered(covered: Covered): string {
  const list = (items: readonly string[]) =>
    items.length <= MAX_LISTED
      ? items.join(", ")
      : `${items.slice(0, MAX_LISTED).join(", ")} and ${items.length - MAX_LISTED} more`;
  const parts = [`code ${covered.code.slice(0, 12)}`];
  parts.push(covered.arguments.length > 0 ? `arguments ${list(covered.arguments)}` : "no arguments");
  if (covered.ignored.length > 0) parts.push(`not ${list(covered.ignored)} (ignored)`);
  if (covered.scope.length > 0) parts.push(`outside variables ${list(covered.scope)}`);
  if (covered.state.length > 0) parts.push(`state ${list(covered.state)}`);
  if (covered.reaches.length > 0) parts.push(`reaching ${list(covered.reaches)}`);
  return parts.join(", ");
}

/**
 * One JSON line, appended in one write with O_APPEND, so processes sharing
 * the file never interleave their lines. A file that cannot be written is one
 * warning; the call goes on.
 */
function appendFinding(file: string, finding: Finding): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(finding)}\n`, { mode: 0o600 });
  } catch (error) {
    warnOnce(
      `check-report:${file}`,
      `cannot write the check report ${file} (${error instanceof Error ? error.message : String(error)}); findings are only warned about`,
    );
  }
}
