/** The options of `cached()`, and their check at wrap time. */
import { CachedFunctionError } from "./cached-error.js";
import { DURATION_FORMAT_HINT, parseDuration } from "./units.js";

/** Options of `cached()`: the directive's vocabulary, plus the helpers the function calls. */
export interface CachedOptions {
  /**
   * Helpers the function calls (functions or classes), keyed by their
   * normalized code: editing one recomputes. A helper that is itself
   * `cached()` counts by its own code hash. Helpers not named here are not
   * seen.
   */
  uses?: ReadonlyArray<(...args: never[]) => unknown> | undefined;
  /** Parameters (after destructuring) left out of the key, as `ignore=` in the directive. */
  ignore?: readonly string[] | string | undefined;
  /** Time to live: milliseconds or a duration (`"1h"`, `"7d"`), as `ttl=` in the directive. */
  ttl?: number | string | undefined;
  /** The name in the key, listings and messages. Default: the function's own name. */
  name?: string | undefined;
  /**
   * `false`: do not record or check the run-time inputs of its calls
   * (environment variables, argv, cwd, files, directories), as
   * `inputs=off` in the directive. Default: recorded.
   */
  inputs?: boolean | undefined;
  /**
   * Classes whose instances its results hold: a hit gives them back as
   * instances of these classes (own data kept, methods working; no
   * constructor runs). An instance of a class not listed is not stored, with
   * a warning. Their code counts in the key like `uses`.
   */
  classes?: ReadonlyArray<abstract new (...args: never[]) => unknown> | undefined;
}

const OPTION_NAMES = new Set(["uses", "ignore", "ttl", "name", "inputs", "classes"]);

export function checkOptions(options: CachedOptions): void {
  const bad = (reason: string, hint: string) =>
    new CachedFunctionError("CACHEPHANT_BAD_OPTION", `cached(): ${reason}`, hint);
  if (typeof options !== "object" || options === null)
    throw bad(`the options are ${describe(options)}`, "pass an object: { uses, ignore, ttl, name, inputs, classes }");
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key))
      throw bad(
        `unknown option \`${key}\``,
        "known options are `uses`, `ignore`, `ttl`, `name`, `inputs` and `classes`",
      );
  }
  const { uses, ignore, ttl, name, inputs, classes } = options;
  if (inputs !== undefined && typeof inputs !== "boolean")
    throw bad(`\`inputs\` is ${describe(inputs)}`, "use `inputs: false` to stop recording its run-time inputs");
  if (uses !== undefined && !Array.isArray(uses))
    throw bad(`\`uses\` is ${describe(uses)}`, "list the helpers: { uses: [parseCsv, round] }");
  if (
    ignore !== undefined &&
    typeof ignore !== "string" &&
    !(Array.isArray(ignore) && ignore.every((item) => typeof item === "string"))
  ) {
    throw bad(
      `\`ignore\` is ${describe(ignore)}`,
      'name parameters: { ignore: ["signal"] } or { ignore: "signal,logger" }',
    );
  }
  if (ttl !== undefined) {
    const ok =
      typeof ttl === "number"
        ? Number.isFinite(ttl) && ttl > 0
        : typeof ttl === "string" && parseDuration(ttl) !== undefined;
    if (!ok)
      throw bad(`bad \`ttl\`: ${describe(ttl)}`, `use milliseconds (a positive number) or ${DURATION_FORMAT_HINT}`);
  }
  if (name !== undefined && (typeof name !== "string" || name === ""))
    throw bad(`\`name\` is ${describe(name)}`, "use a non-empty string");
  if (classes !== undefined) {
    if (!Array.isArray(classes))
      throw bad(`\`classes\` is ${describe(classes)}`, "list the classes: { classes: [Point, Line] }");
    classes.forEach((cls: unknown, index) => {
      if (!isClassSource(cls))
        throw bad(
          `\`classes[${index}]\` is ${describe(cls)}, not a class`,
          "list the classes themselves (class Point { ... } then { classes: [Point] }), not their instances or names",
        );
    });
  }
}

/** A class written in JavaScript (its source starts with `class`). */
function isClassSource(value: unknown): boolean {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
