/**
 * The core's analysis (Babel and all) loads on first use: about 0.4 s of a
 * process's start. A build whose every module comes from the build cache,
 * and a `--import` run whose modules all do, never load it; what is needed
 * before that comes from the light `@cachephant/core/scan`.
 */
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, sep } from "node:path";

type Core = typeof import("@cachephant/core");

let loading: Promise<Core> | undefined;

export function loadCore(): Promise<Core> {
  return (loading ??= import("@cachephant/core"));
}

/**
 * The core's folder (real path, with a trailing separator). Runtime hooks
 * (Node's `--import` hooks, Bun's plugin) see the core's own files load
 * through them on first use: they must pass those untouched (a transform of
 * the core would wait for itself), also where the core is not in
 * node_modules (a workspace link). Only they ask, once each.
 */
export function coreDir(): string {
  return dirname(realpathSync(createRequire(import.meta.url).resolve("@cachephant/core/package.json"))) + sep;
}
