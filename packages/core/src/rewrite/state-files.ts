/**
 * Which modules must register the state a cached function reads from other
 * modules, or the classes it reaches there (so that instances of them in its
 * results come back as such). Every such module registers its own bindings
 * and top-level classes, on its first line
 * (`rewrite.ts`), so the rewrite imports no project module (only the
 * runtime) and never changes when a project module runs (SPEC): a module
 * reached only through `import()` still loads when that `import()` runs. A build that knows them before any module
 * loads (`TransformOptions.registeredAhead`, the plugin's plan) tells the
 * runtime so in the meta (`stateAhead`): such a module that has not
 * registered has not run yet.
 */
import type { StateBinding } from "../key/index.js";

/**
 * Absolute paths of the other modules (not `readerKey`, the reader's own key
 * in the graph) declaring `bindings`, and of `classFiles` (modules whose
 * classes the reader's cached functions reach), sorted.
 */
export function stateFilesOf(
  bindings: Iterable<StateBinding>,
  readerKey: string,
  classFiles: Iterable<string> = [],
): string[] {
  const files = new Set<string>(classFiles);
  for (const binding of bindings) if (binding.file !== readerKey) files.add(binding.file);
  return [...files].sort();
}
