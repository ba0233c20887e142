import { resolve } from "node:path";
import picomatch from "picomatch";
import type { FilterPattern } from "unplugin";

/**
 * The `include`/`exclude` options as one predicate on absolute paths, with
 * the meaning unplugin's `transform.filter.id` gives them (regular
 * expressions test the path with `/` separators; strings are globs relative
 * to the working directory), for the paths the plugin checks itself.
 */
export function createIdFilter(include: FilterPattern, exclude: FilterPattern): (file: string) => boolean {
  const included = patterns(include).map(matcherOf);
  const excluded = patterns(exclude).map(matcherOf);
  return (file) => {
    const normalized = file.replace(/\\/g, "/");
    if (excluded.some((matches) => matches(normalized))) return false;
    return included.length === 0 || included.some((matches) => matches(normalized));
  };
}

const GLOB_METACHARS = /[\\^$*+?.()|[\]{}]/g;

function patterns(pattern: FilterPattern): Array<string | RegExp> {
  if (pattern == null) return [];
  return Array.isArray(pattern) ? pattern : [pattern];
}

function matcherOf(pattern: string | RegExp): (file: string) => boolean {
  if (pattern instanceof RegExp) {
    return (file) => {
      const matched = pattern.test(file);
      pattern.lastIndex = 0;
      return matched;
    };
  }
  const glob =
    pattern.startsWith("**") || pattern.startsWith("/") || /^[A-Za-z]:[/\\]/.test(pattern)
      ? pattern.replace(/\\/g, "/")
      : `${resolve(".").replace(/\\/g, "/").replace(GLOB_METACHARS, "\\$&")}/${pattern.replace(/^\.\//, "")}`;
  return picomatch(glob, { dot: true });
}
