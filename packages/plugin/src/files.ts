import type { FilterPattern } from "unplugin";

/**
 * The plugin's include/exclude as a test of absolute paths, for the build
 * start scan. Regular expressions are tested; glob strings are not
 * interpreted here and never exclude a file (scanning one file too many
 * costs a read; the transform applies the real filter).
 */
export function fileFilter(include: FilterPattern, exclude: FilterPattern): (file: string) => boolean {
  const regexps = (pattern: FilterPattern) => (Array.isArray(pattern) ? pattern : [pattern]).filter((item): item is RegExp => item instanceof RegExp);
  const includes = regexps(include);
  const excludes = regexps(exclude);
  return (file) => !excludes.some((pattern) => pattern.test(file)) && (includes.length === 0 || includes.some((pattern) => pattern.test(file)));
}
