/**
 * The hooks that see a computing call's reads: `node:fs` (sync, callback,
 * promise and stream forms), `process.env` (a Proxy), `process.argv` (a
 * Proxy) and `process.cwd()`. Installed once, on the first cached call that
 * computes; `module.syncBuiltinESMExports()` makes ES module named imports of
 * `node:fs` and `node:fs/promises` see them.
 *
 * Each hook notes the read (`record.ts`) and calls the original with the same
 * `this` and arguments, so results, errors and callbacks are the original's.
 * Outside a computing call a hook costs one comparison. The runtime's own
 * reads use `original` (`unhooked.ts`), never a hook.
 */
import fs from "node:fs";
import nodeModule from "node:module";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { argvHash, envKeysHash, envValueHash, existsNow, statState } from "./fingerprint.js";
import { activeRecorder, note, type ObservationKind } from "./record.js";
import { original } from "./unhooked.js";

let installed = false;

/** What a function's first argument names, as an absolute path; undefined for a file descriptor or anything else. */
function pathOf(value: unknown): string | undefined {
  let path: string;
  if (typeof value === "string") path = value;
  else if (value instanceof URL) {
    if (value.protocol !== "file:") return undefined;
    path = fileURLToPath(value);
  } else if (Buffer.isBuffer(value)) path = value.toString();
  else return undefined;
  // Not `resolve()`: it calls process.cwd(), which is hooked.
  return isAbsolute(path) ? path : join(original.cwd.call(process), path);
}

function notePath(kind: ObservationKind, value: unknown): void {
  try {
    const path = pathOf(value);
    if (path !== undefined) note(kind, path, CAPTURES[kind]?.(path));
  } catch {
    // catch-all: a path argument the original rejects, whatever it throws: the original call says why.
  }
}

/**
 * What a read of a path sees at once, for the entry: a stat (a file read is
 * compared with it when the call ends, so a file changed while the call ran
 * is not recorded with content the call never read). Directories are listed
 * when the call ends.
 */
const CAPTURES: Partial<Record<ObservationKind, (path: string) => () => unknown>> = {
  file: (path) => () => statState(path),
  stat: (path) => () => statState(path),
  exists: (path) => () => existsNow(path),
};

/** `open`'s flags read the file unless they only write. */
function opensForReading(flags: unknown): boolean {
  if (flags === undefined || flags === null) return true;
  if (typeof flags === "string") return flags.includes("r") || flags.includes("+");
  if (typeof flags === "number") return (flags & 3) !== fs.constants.O_WRONLY;
  return true;
}

type Hooked = (...args: unknown[]) => unknown;

/** Replaces `target[name]` with a function that notes `kind` for its first argument, then calls the original. */
function hook(
  target: Record<string, unknown>,
  name: string,
  kind: ObservationKind | ((args: IArguments) => void),
): void {
  const fn = target[name];
  if (typeof fn !== "function") return;
  const orig = fn as Hooked;
  const noteArgs = typeof kind === "function" ? kind : (args: IArguments) => notePath(kind, args[0]);
  const hooked = function (this: unknown): unknown {
    // A hook on every fs call hands its arguments on untouched (a rest parameter would copy them).
    // eslint-disable-next-line prefer-rest-params -- see above
    if (activeRecorder() !== undefined) noteArgs(arguments);
    // eslint-disable-next-line prefer-rest-params -- see above
    return orig.apply(this, arguments as unknown as unknown[]);
  };
  // Same name, length and own properties (util.promisify.custom of `exists`, `realpathSync.native`).
  for (const key of Reflect.ownKeys(orig)) {
    if (key === "prototype") continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(orig, key);
    if (descriptor !== undefined) Reflect.defineProperty(hooked, key, descriptor);
  }
  target[name] = hooked;
}

const readdirKind = (args: IArguments) => {
  const options = args[1] as { recursive?: unknown } | undefined;
  notePath(typeof options === "object" && options !== null && options.recursive === true ? "dirr" : "dir", args[0]);
};
const openKind = (args: IArguments) => {
  if (opensForReading(args[1])) notePath("file", args[0]);
};

/** Installs every hook; a second call does nothing. */
export function installHooks(): void {
  if (installed) return;
  installed = true;
  const sync = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;

  for (const target of [sync, promises]) {
    hook(target, "readFile", "file");
    hook(target, "stat", "stat");
    hook(target, "lstat", "stat");
    hook(target, "readdir", readdirKind);
    hook(target, "opendir", "dir");
    hook(target, "open", openKind);
    hook(target, "access", "exists");
  }
  for (const name of ["readFileSync", "createReadStream"]) hook(sync, name, "file");
  for (const name of ["statSync", "lstatSync"]) hook(sync, name, "stat");
  for (const name of ["existsSync", "exists", "accessSync"]) hook(sync, name, "exists");
  hook(sync, "readdirSync", readdirKind);
  hook(sync, "opendirSync", "dir");
  hook(sync, "openSync", openKind);
  // Optional: a runtime without it (Bun, Deno) keeps its ES module bindings as they were.
  (nodeModule as { syncBuiltinESMExports?: () => void }).syncBuiltinESMExports?.();

  hookProcess();
}

function hookProcess(): void {
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, key) {
      if (typeof key === "string" && activeRecorder() !== undefined) noteEnv(target, key);
      return Reflect.get(target, key) as unknown;
    },
    has(target, key) {
      if (typeof key === "string" && activeRecorder() !== undefined) noteEnv(target, key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string" && activeRecorder() !== undefined) noteEnv(target, key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      if (activeRecorder() !== undefined) note("envkeys", "", () => envKeysHash(target));
      return Reflect.ownKeys(target);
    },
    // Plain assignment, so the env's own rules apply (values become strings).
    set(target, key, value) {
      (target as Record<string | symbol, unknown>)[key] = value;
      return true;
    },
    deleteProperty(target, key) {
      return Reflect.deleteProperty(target, key);
    },
  });

  const argv = process.argv;
  const noteArgv = () => {
    if (activeRecorder() !== undefined) note("argv", "", () => argvHash(argv));
  };
  process.argv = new Proxy(argv, {
    get(target, key) {
      noteArgv();
      return Reflect.get(target, key) as unknown;
    },
    has(target, key) {
      noteArgv();
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      noteArgv();
      return Reflect.ownKeys(target);
    },
  });

  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with process as `this` below
  const cwd = process.cwd;
  const hookedCwd = function (this: unknown): string {
    if (activeRecorder() !== undefined) note("cwd", "", () => original.cwd.call(process));
    return cwd.call(this);
  };
  Object.defineProperty(hookedCwd, "name", { value: cwd.name });
  process.cwd = hookedCwd;
}

/** The runtime's own settings (`CACHEPHANT_*`) are not inputs of a call. */
function noteEnv(env: NodeJS.ProcessEnv, name: string): void {
  if (!name.startsWith("CACHEPHANT_")) note("env", name, () => envValueHash(env, name));
}
