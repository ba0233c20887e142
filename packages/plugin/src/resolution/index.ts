/**
 * Resolution: what decides where an import resolves, besides the files it
 * resolves to, as one fingerprint per build.
 *
 * What decides where an import resolves, besides the files it resolves to:
 * the bundler's resolve settings (aliases, conditions, main fields,
 * extensions, tsconfig options), the tsconfig files (`paths`, `baseUrl`,
 * followed through `extends` and `references`), the project's `package.json`
 * `imports` (and `exports`, for imports of the package by its own name), and
 * the lockfile (what is installed). One fingerprint of them, computed once
 * per build, is part of the key of every result the build cache remembers
 * and of the plan's record: a change analyses again, since a remembered
 * result's dependency list itself may be wrong (an alias pointing elsewhere
 * leaves the old helper unchanged, so its content checks alone would hold).
 *
 * Settings count by value (functions by their source, regular expressions
 * by their text); files count by what they say about resolution (a
 * tsconfig's `compilerOptions.strict`, a `package.json`'s `scripts` change
 * nothing), lockfiles by their bytes. Each file's digest is remembered with
 * its `mtime:size`, so a build where none changed reads none.
 */
export {
  esbuildResolveSettings,
  rollupResolveSettings,
  viteResolveSettings,
  webpackResolveSettings,
} from "./bundler-settings.js";
export { LOCKFILES, parseJsonc, TSCONFIG_FILE } from "./config-files.js";
export { ResolutionFingerprint, type ResolutionFingerprintOptions } from "./fingerprint.js";
export { stableText } from "./stable-text.js";
