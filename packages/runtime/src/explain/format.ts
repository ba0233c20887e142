/** How `cachephant explain` prints an explanation for a person. */
import { formatDuration, formatSize, plural } from "../cli-format.js";
import type { ExplainedVariable, FunctionExplanation, ReachedNode } from "./model.js";

export function formatExplanation(fn: FunctionExplanation): string {
  const lines: string[] = [];
  const from =
    fn.source === "build"
      ? "as the latest build analysed it"
      : "from the store (no build recorded it: a cached() function, or an older build)";
  lines.push(`${fn.name}  ${fn.file}:${fn.line}`);
  lines.push(`  code hash ${fn.hash || "-"}${fn.ownCode !== undefined ? ` (own code ${fn.ownCode})` : ""}, ${from}`);

  lines.push("", "Reaches (each in the hash):");
  if (fn.reaches.length === 0) lines.push("  nothing outside its own code");
  else lines.push(...treeLines(fn.reaches, "  "));

  lines.push("", "Packages:");
  lines.push(...(fn.packages.length === 0 ? ["  none"] : fn.packages.map((pkg) => `  ${pkg.name} ${pkg.version}`)));

  lines.push("", "Outside variables:");
  if (fn.variables.length === 0) lines.push("  none");
  else
    lines.push(...columns(fn.variables.map((variable) => [variable.name, site(variable), describeVariable(variable)])));
  if (fn.ignoredVariables.length > 0) lines.push(`  ignored: ${fn.ignoredVariables.join(", ")}`);

  lines.push("", "Key from the arguments:");
  if (fn.params.length === 0) lines.push("  no arguments");
  else {
    const rows = fn.params.map((param) => [
      param.name ?? param.path,
      param.name !== undefined ? param.path : "",
      [param.default !== undefined ? `default ${param.default}` : "", param.ignored ? "ignored" : ""]
        .filter(Boolean)
        .join(", "),
    ]);
    lines.push(...columns(rows));
  }
  if (fn.ttl !== undefined) lines.push(`  ttl ${formatDuration(fn.ttl)}`);
  if (fn.recordsInputs === false) lines.push("  inputs=off: run-time inputs are not recorded");
  if (fn.viewBuffers === true)
    lines.push(
      "  typed array views: by their whole buffer and place (its code may read a view's buffer or byteOffset)",
    );

  lines.push("", "Run-time inputs its last computations read:");
  lines.push(
    ...(fn.inputs.length === 0
      ? ["  none recorded"]
      : fn.inputs.map((input) => `  ${input.kind}${input.name !== undefined ? ` ${input.name}` : ""}`)),
  );

  lines.push("", "Stored:");
  const { count, size, lastUsed, superseded } = fn.entries;
  lines.push(
    `  ${plural(count, "entry", "entries")}, ${formatSize(size)}` +
      `${lastUsed !== undefined ? `, last used ${lastUsed.replace(/\.\d+Z$/, "Z")}` : ""}${superseded > 0 ? `, ${superseded} of superseded code` : ""}`,
  );
  lines.push(
    `  ${plural(fn.hits, "hit", "hits")}, ${plural(fn.misses, "miss", "misses")}, ${formatDuration(fn.savedMs)} saved`,
  );

  lines.push("", "Last computations (each one a miss), newest first:");
  if (fn.computations.length === 0) lines.push("  none stored");
  else
    lines.push(
      ...fn.computations.map((computation) => `  ${computation.at.replace(/\.\d+Z$/, "Z")}  ${computation.reason}`),
    );
  return lines.join("\n");
}

/** `helper twice  src/h.ts:4  e7c88ac363bb4068`, with `├─` branches. */
export function treeLines(nodes: readonly ReachedNode[], indent: string): string[] {
  const lines: string[] = [];
  nodes.forEach((node, index) => {
    const last = index === nodes.length - 1;
    lines.push(`${indent}${last ? "└─ " : "├─ "}${describeNode(node)}`);
    if (node.reaches) lines.push(...treeLines(node.reaches, `${indent}${last ? "   " : "│  "}`));
  });
  return lines;
}

export function describeNode(node: ReachedNode): string {
  const label = node.line !== undefined ? node.label.replace(/ \([^()]+\)$/, "") : node.label;
  const where = node.file !== undefined && node.line !== undefined ? `  ${node.file}:${node.line}` : "";
  return `${label}${where}${node.hash ? `  ${node.hash}` : ""}${node.repeated ? "  (see above)" : ""}`;
}

function site(variable: ExplainedVariable): string {
  if (variable.file === undefined) return "";
  return variable.line !== undefined ? `${variable.file}:${variable.line}` : variable.file;
}

export function describeVariable(variable: ExplainedVariable): string {
  if (variable.by === "code") return "by code";
  if (variable.once === true) return "by value, once per process (never changes after load)";
  return variable.kind === "state" ? "by value at call time (changes after load)" : "by value at call time";
}

function columns(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}
