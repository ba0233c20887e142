/**
 * What each module's last output relied on besides its own file: the
 * project files its hashes depend on, and the outside check of exported
 * data it counted by code (see `outside-log.ts`). A dev server or watch
 * build asks which modules a change makes stale.
 */
import type { OutsideLog, OutsideStamp } from "./outside-log.js";

export class ModuleDependents {
  private readonly outsideOf = new Map<string, OutsideStamp>();
  private readonly dependenciesOf = new Map<string, readonly string[]>();

  constructor(private readonly outside: OutsideLog) {}

  /** What a module's output, just transformed or served from the build cache, relied on. */
  note(id: string, stamp: OutsideStamp | undefined, dependencies: readonly string[]): void {
    if (stamp) this.outsideOf.set(id, stamp);
    else this.outsideOf.delete(id);
    this.dependenciesOf.set(id, dependencies);
  }

  /** The modules whose last output's hashes depend on `file`. */
  dependentsOf(file: string): string[] {
    // Searched only when a file changes; kept as the arrays the results already hold, so a transform (or a hit) builds nothing.
    return [...this.dependenciesOf].filter(([, files]) => files.includes(file)).map(([id]) => id);
  }

  /** Whether a module's last output counted exported data by code. */
  countsOutside(id: string): boolean {
    return this.outsideOf.has(id);
  }

  /** Modules whose last output counted exported data that a file changed since may now mutate. */
  outdated(): string[] {
    return [...this.outsideOf.keys()].filter((id) => this.isOutdated(id));
  }

  isOutdated(id: string): boolean {
    const stamp = this.outsideOf.get(id);
    return stamp !== undefined && !this.outside.holds(stamp);
  }
}
