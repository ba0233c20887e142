/**
 * The sorted key lists of recent object shapes. Keying an array of
 * same-shaped objects (rows of a table) would sort the same keys once per
 * object; a few recent shapes are remembered by their key lists in
 * `Object.keys` order, so each row costs a comparison of its keys instead.
 */
import { wellFormed } from "./walk.js";

/** One shape: its keys in sorted order, the text before each key's value (`<length>:<key>`), a plain object's opening. */
export interface Shape {
  readonly keys: readonly string[];
  readonly heads: readonly string[];
  /** `o<count>:` */
  readonly opening: string;
}

/** How many shapes are remembered (nested objects of a few shapes alternate). */
const RECENT = 8;

/** Shapes with more keys than this are sorted each time (a dictionary's keys are rarely seen again). */
const MAX_KEYS = 64;

const recent: Array<{ readonly raw: readonly string[]; readonly shape: Shape }> = [];
let next = 0;

/** The shape of an object whose `Object.keys` are `raw` (not modified; kept while the shape is recent). */
export function keysInOrder(raw: string[]): Shape {
  const count = raw.length;
  for (let s = 0; s < recent.length; s++) {
    const entry = recent[s]!;
    const known = entry.raw;
    if (known.length !== count) continue;
    let i = 0;
    while (i < count && known[i] === raw[i]) i++;
    if (i === count) return entry.shape;
  }
  const keys = count > 1 ? [...raw].sort() : raw;
  // A key with a lone surrogate would hash like another (UTF-8 writes U+FFFD for it): as JSON, which escapes it.
  const heads = keys.map((key) => {
    if (wellFormed(key)) return `${key.length}:${key}`;
    const json = JSON.stringify(key);
    return `S${json.length}:${json}`;
  });
  const shape: Shape = { keys, heads, opening: `o${count}:` };
  if (count <= MAX_KEYS) {
    recent[next] = { raw, shape };
    next = (next + 1) % RECENT;
  }
  return shape;
}
