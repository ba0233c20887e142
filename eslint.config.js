// ESLint over the sources, tests, e2e, benchmarks and scripts, type-aware
// through typescript-eslint's project service. `pnpm lint` runs it.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";
import local from "./scripts/lint/catch-rule.mjs";

export default defineConfig(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/.work/**",
      "**/fixtures/**", // inputs of tests, written to be transformed, not linted
      "**/coverage/**",
      ".turbo/**",
      "release/**",
      "demo/**", // a sample app, not part of the packages
      "examples/**",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          // Files outside every package's tsconfig: plain-JS scripts and
          // benchmarks, the e2e helpers the bundlers load, root configs.
          allowDefaultProject: [
            "*.config.js",
            "*.config.ts",
            "tsdown.base.ts",
            "scripts/*.mjs",
            "scripts/*.d.mts",
            "scripts/*/*.mjs",
            "packages/*/bench/*.mjs",
            "e2e/*.mjs",
            "e2e/*/*.mjs",
            "packages/*/tsdown.config.ts",
          ],
          defaultProject: "tsconfig.base.json",
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 64,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { local },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "no-empty": ["error", { allowEmptyCatch: false }],
      // A leading `_` marks a parameter a signature needs and the body does not;
      // unused catch bindings are left to local/catch-looks-at-error.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // A failed walk over a value is a cheap signal (no stack), caught and turned into an error naming the value's path.
      "@typescript-eslint/only-throw-error": [
        "error",
        { allow: [{ from: "file", name: ["ValuePathFailure", "ClassKeyedProbe"] }] },
      ],
      "local/catch-looks-at-error": "error",
      // A walk up a parent chain (scopes) starts from `this`: the alias is the cursor, not a lost binding.
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  {
    // Plain JS has no annotations: every imported value is `any`, so these only repeat that.
    files: ["**/*.js", "**/*.mjs"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["packages/*/test/**", "e2e/**", "packages/*/bench/**"],
    rules: {
      // Tests read JSON printed by child processes and probe values as `any` on purpose.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Cached functions in tests stand for a user's async functions, awaiting or not.
      "@typescript-eslint/require-await": "off",
      // Tests build functions from source text on purpose, to key code as the runtime sees it.
      "@typescript-eslint/no-implied-eval": "off",
    },
  },
);
