/**
 * Records, per module, the code hashes its latest transform gave its cached
 * functions (`@cachephant/runtime/project`'s `recordBuiltModule`), so that the
 * CLI can tell the results of code that still exists from superseded ones.
 * Writes only what changed since this process last wrote it.
 */
import { relative, sep } from "node:path";
import {
  builtModuleFile,
  builtModuleFiles,
  nearestPackageRoot,
  recordBuiltModule,
  type BuiltFunction,
} from "@cachephant/runtime/project";

export class BuiltRecorder {
  private readonly written = new Map<string, string>();
  private existing: Set<string> | undefined;
  private readonly projectRoot: string;

  /** @param root the build's root: entries name files relative to it */
  constructor(private readonly root: string) {
    // Where the CLI looks, like the recorded settings.
    this.projectRoot = nearestPackageRoot(root) ?? root;
  }

  /** The functions the latest transform of `file` made (none: it has no cached function now). */
  record(file: string, functions: readonly BuiltFunction[]): void {
    const summary = JSON.stringify(functions);
    if (this.written.get(file) === summary) return;
    if (functions.length === 0 && !this.hasRecord(file)) {
      this.written.set(file, summary);
      return;
    }
    const entryFile = relative(this.root, file).split(sep).join("/");
    if (recordBuiltModule(this.projectRoot, { file: entryFile, source: file, functions }))
      this.written.set(file, summary);
  }

  /** Whether a record of `file` is on disk (listed once: only modules that had a directive have one). */
  private hasRecord(file: string): boolean {
    const written = this.written.get(file);
    if (written !== undefined) return written !== "[]";
    this.existing ??= builtModuleFiles(this.projectRoot);
    return this.existing.has(builtModuleFile(this.projectRoot, file));
  }
}
