/**
 * Whether code may look past a typed array's view: read its `buffer` (the
 * whole memory the view is a window on) or its `byteOffset`.
 *
 * The runtime keys a typed array, a Buffer or a DataView by the bytes of its
 * view, so a pooled `Buffer.from("abc")` keys by its three bytes and not by
 * the 8 KB pool that other code keeps changing. Code that reads the view's
 * `buffer` sees bytes outside it, and `byteOffset` tells apart views of equal
 * bytes: a function that reaches such code has its views keyed by their whole
 * buffer and offset (`viewBuffers` in the meta; docs/keys.md).
 *
 * Found in property positions, so a variable that happens to be named
 * `buffer` does not count: `x.buffer`, `x?.buffer`, `x["buffer"]`,
 * `const { buffer } = x`, and the string `"buffer"` anywhere but in a
 * `require()` or `import()` (as in `Reflect.get(x, "buffer")`). A name
 * computed at run time is not seen.
 */
import * as t from "@babel/types";
import { forEachChild } from "../syntax/index.js";

const LAYOUT_NAMES: ReadonlySet<string> = new Set(["buffer", "byteOffset"]);

const memo = new WeakMap<t.Node, boolean>();

/** Whether `node`'s code reads a view's `buffer` or `byteOffset` (see above); computed once per node. */
export function readsViewLayout(node: t.Node): boolean {
  let found = memo.get(node);
  if (found === undefined) memo.set(node, (found = search(node)));
  return found;
}

function search(root: t.Node): boolean {
  let found = false;
  const visit = (node: t.Node): void => {
    if (found || namesModule(node)) return;
    if (isLayoutAccess(node)) {
      found = true;
      return;
    }
    forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** `require("buffer")`, `import("buffer")`: a module's name, not a property's (a CommonJS module is read whole). */
function namesModule(node: t.Node): boolean {
  return (
    node.type === "ImportExpression" ||
    (node.type === "CallExpression" &&
      (node.callee.type === "Import" || (node.callee.type === "Identifier" && node.callee.name === "require")))
  );
}

function isLayoutAccess(node: t.Node): boolean {
  switch (node.type) {
    case "MemberExpression":
    case "OptionalMemberExpression":
      return !node.computed && t.isIdentifier(node.property) && LAYOUT_NAMES.has(node.property.name);
    case "ObjectPattern":
      // A destructuring key (`{ buffer } = view`); in an object literal such a key only names a property.
      return node.properties.some(
        (property) =>
          property.type === "ObjectProperty" &&
          !property.computed &&
          t.isIdentifier(property.key) &&
          LAYOUT_NAMES.has(property.key.name),
      );
    case "StringLiteral":
      return LAYOUT_NAMES.has(node.value);
    case "TemplateLiteral":
      return node.expressions.length === 0 && LAYOUT_NAMES.has(node.quasis[0]?.value.cooked ?? "");
    default:
      return false;
  }
}
