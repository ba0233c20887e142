import type * as t from "@babel/types";
import { spanOf, type ErrorReporter } from "../diagnostics/index.js";
import { DURATION_FORMAT_HINT, parseDuration } from "./units.js";

/** What `"use cache: ignore=a,b; ttl=1h"` asks for. */
export interface DirectiveOptions {
  /** Binding names left out of the key, as written. */
  ignore?: string[];
  /** Time to live in milliseconds. */
  ttl?: number;
  /** `inputs=off`: the run-time inputs (env, argv, cwd, files, directories) of its calls are not recorded. */
  inputs?: false;
}

/** A string statement or directive literal: where the error frame points. */
type DirectiveNode = t.DirectiveLiteral | t.StringLiteral;

// "use cache" followed by nothing, a colon, or (a mistake we report) anything
// else that is not part of a longer word such as "use cached".
const DIRECTIVE_PATTERN = /^\s*use cache(?![\w$-])/;

const KNOWN_OPTIONS = "known options are `ignore=name,...`, `ttl=<duration>` and `inputs=off`";

/** Whether a string (a directive or a string statement) is meant as `"use cache"`. */
export function isCacheDirective(value: string): boolean {
  return DIRECTIVE_PATTERN.test(value);
}

/**
 * Parses the options after the colon. Empty segments (a trailing `;`) are
 * allowed; an unknown option, an empty or bad value, or an option given twice
 * is an error that points at the directive.
 */
export function parseDirective(node: DirectiveNode, errors: ErrorReporter): DirectiveOptions {
  const rest = node.value.replace(DIRECTIVE_PATTERN, "").trim();
  const options: DirectiveOptions = {};
  if (rest === "") return options;
  const fail = (reason: string, hint: string) => errors.error("CACHEPHANT_BAD_OPTION", spanOf(node), reason, hint);
  if (!rest.startsWith(":")) {
    throw fail(`options of "use cache" must follow a colon, found "${node.value}"`, `write "use cache: ${rest}"`);
  }
  const seen = new Set<string>();
  for (const segment of rest.slice(1).split(";")) {
    const text = segment.trim();
    if (text === "") continue;
    const equals = text.indexOf("=");
    const name = (equals === -1 ? text : text.slice(0, equals)).trim();
    const value = equals === -1 ? "" : text.slice(equals + 1).trim();
    if (name !== "ignore" && name !== "ttl" && name !== "inputs") {
      throw fail(`unknown "use cache" option \`${name}\``, `remove it or fix its name: ${KNOWN_OPTIONS}`);
    }
    if (seen.has(name)) {
      throw fail(`the "use cache" option \`${name}\` is given twice`, `keep one \`${name}=...\``);
    }
    seen.add(name);
    if (value === "") {
      throw fail(
        `the "use cache" option \`${name}\` has no value`,
        name === "ignore"
          ? "write `ignore=name` or `ignore=a,b`"
          : name === "inputs"
            ? "write `inputs=off` (or leave it out: inputs are recorded by default)"
            : `write \`ttl=1h\` (${DURATION_FORMAT_HINT})`,
      );
    }
    if (name === "ttl") options.ttl = parseTtl(value, fail);
    else if (name === "inputs") parseInputs(value, fail, options);
    else options.ignore = parseIgnore(value, fail);
  }
  return options;
}

type Fail = (reason: string, hint: string) => Error;

function parseInputs(value: string, fail: Fail, options: DirectiveOptions): void {
  if (value === "off") options.inputs = false;
  else if (value !== "on")
    throw fail(
      `bad \`inputs\` in "use cache": \`${value}\``,
      "write `inputs=off` to stop recording the run-time inputs of its calls, or `inputs=on` (the default)",
    );
}

function parseTtl(value: string, fail: Fail): number {
  const ttl = parseDuration(value);
  if (ttl === undefined) {
    throw fail(`bad \`ttl\` in "use cache": \`${value}\``, `use ${DURATION_FORMAT_HINT}`);
  }
  return ttl;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

function parseIgnore(value: string, fail: Fail): string[] {
  const names = value.split(",").map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw fail(
        name === ""
          ? `\`ignore\` in "use cache" has an empty name: \`${value}\``
          : `\`ignore\` in "use cache" names \`${name}\`, which is not an identifier`,
        "list parameter names separated by commas: `ignore=signal,logger`",
      );
    }
    if (seen.has(name)) throw fail(`\`ignore\` in "use cache" lists \`${name}\` twice`, `list \`${name}\` once`);
    seen.add(name);
  }
  return names;
}
