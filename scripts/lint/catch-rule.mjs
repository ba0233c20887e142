// An ESLint rule: a `catch` must look at what it caught. Swallowing every error
// treats an internal bug like an expected `ENOENT`; narrowing by `code` and
// rethrowing the rest keeps bugs loud. A catch that truly may ignore anything
// (best-effort cleanup, a user's code that may throw any value) says so with a
// comment inside it that starts with `catch-all:` and gives the reason.

const MARKER = /^\s*catch-all:\s*\S/;

/** Whether the catch clause holds a `catch-all: <reason>` comment. */
function hasCatchAllComment(sourceCode, node) {
  return sourceCode.getCommentsInside(node).some((comment) => MARKER.test(comment.value));
}

/** Whether any name the catch binds (`e`, or `{ code }`) is read in its body. */
function bindingIsRead(sourceCode, node) {
  return sourceCode.getDeclaredVariables(node).some((variable) => variable.references.length > 0);
}

/** @type {import("eslint").Rule.RuleModule} */
export const catchLooksAtError = {
  meta: {
    type: "problem",
    docs: {
      description:
        "Require a catch to bind and read its error, or to say why it may ignore every error (`// catch-all: why`)",
    },
    schema: [],
    messages: {
      unbound:
        "This catch ignores every error, bugs included. Bind the error, narrow it (e.g. by `code`) and rethrow the rest, or add `// catch-all: <why any error may be ignored>` inside it.",
      unread:
        "This catch binds '{{name}}' but never reads it, so every error is treated alike. Narrow it (e.g. by `code`) and rethrow the rest, or add `// catch-all: <why any error may be ignored>` inside it.",
    },
  },
  create(context) {
    const sourceCode = context.sourceCode;
    return {
      CatchClause(node) {
        if (hasCatchAllComment(sourceCode, node)) return;
        if (!node.param) {
          context.report({ node, messageId: "unbound" });
        } else if (!bindingIsRead(sourceCode, node)) {
          context.report({ node: node.param, messageId: "unread", data: { name: sourceCode.getText(node.param) } });
        }
      },
    };
  },
};

export default {
  meta: { name: "cachephant-local" },
  rules: { "catch-looks-at-error": catchLooksAtError },
};
