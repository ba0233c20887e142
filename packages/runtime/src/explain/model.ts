/**
 * What `cachephant explain` says about one cached function, as data: the
 * shape `explain --json` prints (documented in docs/seeing.md; fields are
 * only ever added). Built from the latest build's record of the function
 * (`built-functions.ts`) when there is one, else from what the store holds
 * (a `cached()` function, or a build from before the records).
 */
import type { ReachedNode } from "../built-functions.js";
import type { InputRecord } from "../inputs/format.js";

export type { ReachedNode } from "../built-functions.js";

/** The format of `explain --json` and of the report's data. */
export const EXPLAIN_FORMAT = 1;

/** An outside variable the key covers. */
export interface ExplainedVariable {
  name: string;
  /** `value`: its value at call time is in the key; `code`: its declaration's code is in the hash. */
  by: "value" | "code";
  /** `scope`: a variable the function reads; `state`: a module binding that changes after load; `code`: hashed by its declaration. */
  kind: "scope" | "state" | "code";
  /** By value, walked once per process: its data is proven never to change after load (docs/keys.md). */
  once?: true;
  file?: string;
  line?: number;
}

/** One run-time input a computation read (env, file, …), as recorded with its entry. */
export interface ExplainedInput {
  /** As recorded: `env`, `file`, `stat`, `exists`, `dir`, `dirr` (recursive listing), `pkg`, `envkeys`, `argv`, `cwd`. */
  kind: InputRecord[0];
  /** The variable's name, the path (relative to the project root when inside it); absent for `envkeys`, `argv`. */
  name?: string;
}

/** One computation: an entry written by a miss, with the reason that miss had. */
export interface ExplainedComputation {
  /** When the result was written (ISO 8601). */
  at: string;
  /** The code hash it was computed by. */
  hash: string;
  /** `first result`, `new code`, `new arguments: args[0]`, … (compared with the computation before it). */
  reason: string;
}

export interface FunctionExplanation {
  format: typeof EXPLAIN_FORMAT;
  name: string;
  /** Relative to the project root, with `/`. */
  file: string;
  line: number;
  /** Where the analysis comes from: the latest build's record, or, without one, the store's entries. */
  source: "build" | "store";
  /** The function's current code hash (of its latest build, else of its latest result). */
  hash: string;
  /** The hash of its own code alone, as in `deps` (`own code`). */
  ownCode?: string;
  /** What it reaches, as a tree (from the store: a flat list without lines, from `deps`). */
  reaches: ReachedNode[];
  /** Packages it reaches, with the version the build resolved. */
  packages: Array<{ name: string; version: string }>;
  /** Outside variables: by value at call time, or by code. */
  variables: ExplainedVariable[];
  /** The key's values from the arguments: each parameter binding after defaults and destructuring (`default`: its own, as written), and whether `ignore` leaves it out. */
  params: Array<{ name?: string; path: string; default?: string; ignored: boolean }>;
  /** Outside variables `ignore` leaves out. */
  ignoredVariables: string[];
  /** `ttl=` in milliseconds, when the build knows it. */
  ttl?: number;
  /** False with `inputs=off`; absent when unknown (no build record). */
  recordsInputs?: boolean;
  /** Typed array views key by their whole buffer and place: code it reaches may read a view's `buffer` or `byteOffset` (absent when unknown, or not). */
  viewBuffers?: true;
  /** The run-time inputs its last computations read. */
  inputs: ExplainedInput[];
  /** Its stored results, all code versions. */
  entries: { count: number; size: number; lastUsed?: string; superseded: number };
  /** From `list()` rows when the runtime keeps them: hits, misses and time saved (0 when it does not). */
  hits: number;
  misses: number;
  savedMs: number;
  /** Its last computations (each one a miss), newest first. */
  computations: ExplainedComputation[];
}
