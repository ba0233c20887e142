/**
 * Module data the build proved never changes after load (`meta.unchangingScope`,
 * `unchangingState`: a `const` of fresh data that every reference only reads)
 * is keyed once per process: its part's encoding is remembered by the
 * value's identity and reused on later calls, hits included, instead of
 * walking a large table on each. A string is remembered by its place (the
 * function and the variable) and compared with `===`. The encoding is the one
 * a walk makes, so the entry keys stay the same.
 */
import { encodePart } from "./encode.js";
import type { Walk } from "./walk.js";

/** By the walk's mode, whether a package made the value and whether views key whole: the encodings of objects. */
const byObject = new Map<string, WeakMap<object, string>>();
/** By place: the last string seen there and its encoding. */
const byPlace = new Map<string, { readonly text: string; readonly part: string }>();

/**
 * The encoding of `value` on `walk` (set up for it), walked only the first
 * time this object (or this string at `place`) is keyed in the process.
 */
export function encodeUnchanging(value: unknown, walk: Walk, place: string): string {
  if (typeof value === "string") {
    const known = byPlace.get(place);
    if (known !== undefined && known.text === value) return known.part;
    const part = encodePart(value, walk);
    byPlace.set(place, { text: value, part });
    return part;
  }
  if (typeof value !== "object" || value === null) return encodePart(value, walk);
  const setting = `${walk.mode}\0${walk.packageMade === true}\0${walk.wholeViews === true}`;
  let parts = byObject.get(setting);
  if (parts === undefined) byObject.set(setting, (parts = new WeakMap()));
  const known = parts.get(value);
  if (known !== undefined) return known;
  // Only a walk that succeeded is remembered: one that could not key the value fails again next time.
  const part = encodePart(value, walk);
  parts.set(value, part);
  return part;
}
