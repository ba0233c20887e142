import type { NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { spanOf, type ErrorReporter } from "../diagnostics/index.js";
import { functionStart } from "../syntax/index.js";

/**
 * Fails the build when a marked function cannot be cached: not async, a
 * generator, or it reads `this`, `super` or `arguments` (values the key
 * cannot see, and which the wrapper's arrow would not even receive).
 */
export function checkCacheable(path: NodePath<t.Function>, name: string, errors: ErrorReporter): void {
  const node = path.node;
  const header = { start: functionStart(node) };
  if (node.generator) {
    throw errors.error(
      "CACHEPHANT_GENERATOR",
      header,
      `"use cache" cannot cache the generator \`${name}\`: its values are produced lazily`,
      "make it an async function that collects the values and returns them (for example as an array)",
    );
  }
  if (!node.async) {
    throw errors.error(
      "CACHEPHANT_NOT_ASYNC",
      header,
      `"use cache" needs an async function, but \`${name}\` is not async`,
      "make the function async: a cached call reads from disk, so it returns a promise",
    );
  }
  const use = findOwnContextUse(path);
  if (!use) return;
  const span = spanOf(use.node);
  switch (use.kind) {
    case "this":
      throw errors.error(
        "CACHEPHANT_USES_THIS",
        span,
        `\`${name}\` uses \`this\`, which is not part of the cache key`,
        "pass the value as a parameter instead of reading `this`",
      );
    case "super":
      throw errors.error(
        "CACHEPHANT_USES_SUPER",
        span,
        `\`${name}\` uses \`super\`, which is not part of the cache key`,
        "call the parent's method by its class name, or pass the value as a parameter, instead of using `super`",
      );
    case "arguments":
      throw errors.error(
        "CACHEPHANT_USES_ARGUMENTS",
        span,
        `\`${name}\` reads \`arguments\`, which is not part of the cache key`,
        "use a rest parameter `...args` instead of `arguments`",
      );
  }
}

interface ContextUse {
  kind: "this" | "super" | "arguments";
  node: t.Node;
}

/** The first `this`, `super` or `arguments` that belongs to the function itself. */
function findOwnContextUse(fn: NodePath<t.Function>): ContextUse | undefined {
  let found: ContextUse | undefined;
  const report = (kind: ContextUse["kind"], path: NodePath) => {
    if (found || !belongsTo(path, fn)) return;
    found = { kind, node: path.node };
    path.stop();
  };
  fn.traverse({
    ThisExpression(path) {
      report("this", path);
    },
    Super(path) {
      report("super", path);
    },
    JSXIdentifier(path) {
      // `<this.Component />`
      if (path.node.name === "this") report("this", path);
    },
    Identifier(path) {
      if (path.node.name === "arguments" && path.isReferencedIdentifier() && !path.scope.getBinding("arguments")) {
        report("arguments", path);
      }
    },
  });
  return found;
}

/**
 * Whether `this`/`super`/`arguments` at `use` refers to `fn`'s own: arrows
 * inherit them, but a nested non-arrow function, a class field initializer
 * or a static block has its own. Computed keys and decorators of nested
 * members are evaluated outside them, so those still count.
 */
function belongsTo(use: NodePath, fn: NodePath): boolean {
  let child: NodePath = use;
  for (let parent = use.parentPath; parent; child = parent, parent = parent.parentPath) {
    if (parent.node === fn.node) return true;
    const evaluatedOutside = child.key === "key" || child.listKey === "decorators";
    if (parent.isFunction() && !parent.isArrowFunctionExpression() && !evaluatedOutside) return false;
    if (
      (parent.isClassProperty() || parent.isClassPrivateProperty() || parent.isClassAccessorProperty()) &&
      child.key === "value"
    ) {
      return false;
    }
    if (parent.isStaticBlock()) return false;
  }
  return false;
}
