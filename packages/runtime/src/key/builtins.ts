/**
 * The encodings of built-in values (`encode.ts`): dates, regular
 * expressions, Maps and Sets, binary data, URLs, boxed primitives, errors.
 */
import { types } from "node:util";
import { className, prependSegment, SET_ELEMENT_SEGMENT, visitMapEntries } from "../value-path.js";
import type { Kind } from "./value-kinds.js";
import { sizedText } from "./text.js";
import { encodeBytes, flush, PART_TEXT_LIMIT, type Walk } from "./walk.js";

/** The walk's own writers, for the values built-ins hold. */
export interface Writers {
  value(value: unknown, walk: Walk): void;
  array(value: readonly unknown[], walk: Walk): void;
  properties(tag: string, value: object, walk: Walk): void;
}

export function writeBuiltin(
  kind: Exclude<Kind, "instance" | { unkeyable: string }>,
  value: object,
  walk: Walk,
  to: Writers,
): void {
  writeContents(kind, value, walk, to);
  // An array's or a view's own keys list every index (too costly to look at); an error writes its own data itself.
  if (kind !== "array" && kind !== "view" && kind !== "error") writeOwnProperties(value, walk, to);
}

/**
 * A built-in's own enumerable properties beside its contents (`map.total = 3`,
 * a subclass's fields): after the contents, and only when there are any, so
 * that a value without them keys as it always did.
 */
function writeOwnProperties(value: object, walk: Walk, to: Writers): void {
  // A String object's characters are its first own keys.
  const contents = types.isStringObject(value) ? String.prototype.valueOf.call(value).length : 0;
  if (Object.keys(value).length > contents) to.properties("P", value, walk);
}

function writeContents(
  kind: Exclude<Kind, "instance" | { unkeyable: string }>,
  value: object,
  walk: Walk,
  to: Writers,
): void {
  switch (kind) {
    case "array":
      return to.array(value as unknown[], walk);
    case "date":
      // An invalid date's time is NaN, so all invalid dates key alike.
      walk.out += `d${Date.prototype.getTime.call(value)};`;
      return;
    case "regexp": {
      const regexp = value as RegExp;
      walk.out += `r${sizedText(regexp.source)}${regexp.flags};`;
      // Where `exec` and `test` of a global or sticky RegExp start; 0 (the usual) adds nothing.
      if (regexp.lastIndex !== 0) {
        walk.out += "L";
        to.value(regexp.lastIndex, walk);
      }
      return;
    }
    case "map":
      return writeMap(value as Map<unknown, unknown>, walk, to);
    case "set":
      return writeSet(value as Set<unknown>, walk, to);
    case "view": {
      const view = value as ArrayBufferView;
      const tag = Buffer.isBuffer(view)
        ? "Buffer"
        : String((view as unknown as Record<symbol, unknown>)[Symbol.toStringTag]);
      const { buffer, byteOffset, byteLength } = view;
      if (walk.wholeViews === true && (byteOffset !== 0 || byteLength !== buffer.byteLength)) {
        // The function may look past the view (its `buffer`, its `byteOffset`): all of the memory counts, and where the view is.
        walk.out += `w${byteOffset};${byteLength}:`;
        walk.out += encodeBytes(tag, new Uint8Array(buffer), walk);
        return;
      }
      walk.out += encodeBytes(tag, new Uint8Array(buffer, byteOffset, byteLength), walk);
      return;
    }
    case "arraybuffer": {
      const tag = types.isSharedArrayBuffer(value) ? "SharedArrayBuffer" : "ArrayBuffer";
      walk.out += encodeBytes(tag, new Uint8Array(value as ArrayBuffer), walk);
      return;
    }
    case "url": {
      const href = (value as URL).href;
      walk.out += `l${href.length}:${href}`;
      return;
    }
    case "boxed":
      walk.out += "x";
      return to.value(unbox(value), walk);
    case "error":
      return writeError(value as Error, walk, to);
  }
}

/**
 * Map entries and Set elements in iteration order: the order is observable
 * (a loop over the entries, `[...set][0]`), so two Maps or Sets with the same
 * contents in another order may give other results, and key apart.
 */
function writeMap(value: Map<unknown, unknown>, walk: Walk, to: Writers): void {
  walk.out += `m${value.size}:`;
  visitMapEntries(
    value,
    (part) => to.value(part, walk),
    () => {
      if (walk.out.length > PART_TEXT_LIMIT) flush(walk);
    },
  );
}

function writeSet(value: Set<unknown>, walk: Walk, to: Writers): void {
  walk.out += `e${value.size}:`;
  try {
    for (const element of value) {
      to.value(element, walk);
      if (walk.out.length > PART_TEXT_LIMIT) flush(walk);
    }
  } catch (error) {
    prependSegment(error, () => SET_ELEMENT_SEGMENT);
  }
}

function writeError(value: Error, walk: Walk, to: Writers): void {
  // message and cause are own but not enumerable on errors; the stack is left out (it names lines).
  const name = className(value);
  walk.out += `E${name.length}:${name}`;
  to.value(String(value.message), walk);
  try {
    if (Object.hasOwn(value, "cause")) to.value(value.cause, walk);
    else walk.out += "-";
  } catch (error) {
    prependSegment(error, () => ".cause");
  }
  to.properties("o", value, walk);
}

function unbox(value: object): unknown {
  if (types.isNumberObject(value)) return Number.prototype.valueOf.call(value);
  if (types.isStringObject(value)) return String.prototype.valueOf.call(value);
  if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
  if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
  return Symbol.prototype.valueOf.call(value);
}
