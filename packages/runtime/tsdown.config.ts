import { defineConfig } from "tsdown";
import { packageBuild } from "../../tsdown.base.ts";

export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/units.ts", "src/project.ts", "src/cli.ts"],
  // The core's small modules the store path needs (units, globals, the error kinds of scan) are inlined:
  // the runtime does not depend on the core (its Babel normalizer is an optional peer, imported by cached()).
  // What a program's call needs (the modules src/index.ts exports values from, and everything they import
  // statically) goes into one chunk: a fresh process then loads two files of ours (index.js and it), where
  // resolving, reading and compiling each of a dozen chunks cost a few milliseconds more. What loads on
  // first need through import() (the miss path, the store api, the remote tier) stays in chunks of its own.
  outputOptions: {
    // Without doc comments the code a fresh process compiles is 117 KB instead of 164 KB (about 2 ms of a
    // hit's start on a busy 2-CPU machine); the declarations keep them, and so do the bundler hints
    // (webpackIgnore, @vite-ignore) and pure annotations.
    comments: { legal: true, annotation: true, jsdoc: false },
    codeSplitting: {
      groups: [
        {
          name: "call",
          test: /src[\\/](call[\\/]run-cached|cached|cached-error|state|classes|refresh|config|api-entry|errors)\.ts$/,
        },
      ],
    },
  },
  deps: {
    alwaysBundle: [/^@cachephant\/core\/(units|globals|scan)$/],
    onlyBundle: [/^@cachephant\/core\/(units|globals|scan)$/],
  },
});
