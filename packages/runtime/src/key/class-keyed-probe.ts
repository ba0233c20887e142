/**
 * For `CACHEPHANT_DEBUG` only: which closure values are keyed by their class
 * name alone (resources), so a miss can say which of them may hide a change.
 */
import type { CachedFunctionMeta } from "../meta.js";
import { encodePart } from "./encode.js";
import { scopePath } from "./entry-key.js";
import { ClassKeyedProbe, type KeyMode, newWalk } from "./walk.js";

/** A scope value keyed by its class only, and where it sits (`scope.config.client`). */
export interface ClassKeyedValue {
  readonly path: string;
  /** The class name (`PrismaClient`), `Symbol` or `Module`; "" for an object whose class has no name. */
  readonly className: string;
}

/** At most this many class-keyed values are looked for per scope value (each costs a walk). */
const CLASS_KEYED_PATHS_LIMIT = 10;

/**
 * Where the scope values hold values keyed by their class only, for debug
 * lines. Not on the normal path: it walks each value again once per value
 * found, letting the walk fail at the next class-keyed value so the existing
 * path machinery names it. Never throws.
 */
export function classKeyedScopeValues(meta: CachedFunctionMeta, scope: readonly unknown[]): ClassKeyedValue[] {
  const found: ClassKeyedValue[] = [];
  const closures = meta.closures;
  for (let i = 0; i < scope.length; i++) {
    // Fresh data (JSON, text, literals of them) holds no resource: not walked again.
    if (meta.unchangingScope?.includes(i)) continue;
    const mode: KeyMode = closures !== undefined && closures.includes(i) ? "closure" : "module";
    for (let skip = 0; skip < CLASS_KEYED_PATHS_LIMIT; skip++) {
      try {
        encodePart(scope[i], { ...newWalk(mode), probe: { skip, seen: 0 } });
        break;
      } catch (error) {
        if (!(error instanceof ClassKeyedProbe)) break;
        found.push({ path: scopePath(meta, i) + error.suffix, className: error.className });
      }
    }
  }
  return found;
}
