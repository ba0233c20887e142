/**
 * The report as one static HTML file: a table of the functions, a bar chart
 * of the time each saved (of what each stores, while no time saved is
 * recorded), and each function's explanation, expandable. Everything
 * inline (CSS, SVG, the data): it opens from disk, with no server and no
 * network.
 */
import { formatDuration, formatSize, plural } from "../cli-format.js";
import { describeVariable } from "../explain/format.js";
import type { FunctionExplanation, ReachedNode } from "../explain/model.js";

export interface ReportFacts {
  /** The store the report reads (absolute). */
  dir: string;
  /** When the report was made. */
  made: Date;
  functions: readonly FunctionExplanation[];
}

export function reportHtml(facts: ReportFacts): string {
  const { functions } = facts;
  const total = {
    hits: sum(functions, (fn) => fn.hits),
    misses: sum(functions, (fn) => fn.misses),
    saved: sum(functions, (fn) => fn.savedMs),
    size: sum(functions, (fn) => fn.entries.size),
    entries: sum(functions, (fn) => fn.entries.count),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cachephant report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Cachephant report</h1>
<p class="meta">${plural(functions.length, "cached function", "cached functions")} · ${plural(total.entries, "entry", "entries")}, ${esc(formatSize(total.size))} · ${plural(total.hits, "hit", "hits")}, ${plural(total.misses, "miss", "misses")} · ${esc(formatDuration(total.saved))} saved<br>
Store <code>${esc(facts.dir)}</code> · made ${esc(facts.made.toISOString().replace(/\.\d+Z$/, "Z"))}</p>
</header>
<main>
<section>
<h2>Functions</h2>
${functionTable(functions, total)}
</section>
<section>
${chart(functions)}
</section>
<section>
<h2>What each key covers</h2>
${functions.map(details).join("\n")}
</section>
</main>
<script type="application/json" id="cachephant-data">${json(facts)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function functionTable(
  functions: readonly FunctionExplanation[],
  total: { hits: number; misses: number; saved: number; size: number; entries: number },
): string {
  const row = (fn: FunctionExplanation) => `<tr data-function="${esc(fn.name)}">
<td><a href="#${anchor(fn)}">${esc(fn.name)}</a></td><td><code>${esc(fn.file)}:${fn.line}</code></td>
<td class="n">${fn.hits}</td><td class="n">${fn.misses}</td><td class="n">${hitRate(fn.hits, fn.misses)}</td>
<td class="n">${fn.entries.count}</td><td class="n">${esc(formatSize(fn.entries.size))}</td><td class="n">${esc(formatDuration(fn.savedMs))}</td>
<td>${fn.entries.lastUsed !== undefined ? esc(fn.entries.lastUsed.replace(/\.\d+Z$/, "Z")) : "-"}</td></tr>`;
  return `<table id="functions">
<thead><tr><th>Function</th><th>Where</th><th class="n">Hits</th><th class="n">Misses</th><th class="n">Hit rate</th><th class="n">Entries</th><th class="n">Size</th><th class="n">Time saved</th><th>Last use</th></tr></thead>
<tbody>
${functions.map(row).join("\n")}
</tbody>
<tfoot><tr><td>Total</td><td></td><td class="n">${total.hits}</td><td class="n">${total.misses}</td><td class="n">${hitRate(total.hits, total.misses)}</td><td class="n">${total.entries}</td><td class="n">${esc(formatSize(total.size))}</td><td class="n">${esc(formatDuration(total.saved))}</td><td></td></tr></tfoot>
</table>`;
}

/**
 * Horizontal bars, one per function: time saved (every function, those that
 * saved nothing with an empty bar), or, while none is recorded, the bytes
 * each stores.
 */
function chart(functions: readonly FunctionExplanation[]): string {
  const saved = functions.some((fn) => fn.savedMs > 0);
  const value = (fn: FunctionExplanation) => Math.max(0, saved ? fn.savedMs : fn.entries.size);
  const shown = [...functions]
    .filter((fn) => saved || value(fn) > 0)
    .sort((a, b) => value(b) - value(a))
    .slice(0, 30);
  const title = saved ? "Time saved" : "Stored size (no time saved recorded yet)";
  if (shown.length === 0)
    return `<h2>${title}</h2><p class="empty">Nothing to chart yet: no function has stored results.</p>`;
  const max = Math.max(...shown.map(value));
  const rowHeight = 26;
  const labelWidth = 220;
  const barWidth = 560;
  const bars = shown
    .map((fn, index) => {
      const y = index * rowHeight;
      const width = Math.max(2, Math.round((value(fn) / max) * barWidth));
      const text = saved ? formatDuration(fn.savedMs) : formatSize(fn.entries.size);
      return (
        `<g transform="translate(0,${y})"><text x="${labelWidth - 8}" y="17" text-anchor="end">${esc(fn.name)}</text>` +
        `<rect x="${labelWidth}" y="4" width="${width}" height="${rowHeight - 8}" rx="3"></rect>` +
        `<text x="${labelWidth + width + 6}" y="17">${esc(text)}</text></g>`
      );
    })
    .join("");
  return `<h2>${title}</h2>
<svg id="chart" role="img" aria-label="${title}" width="${labelWidth + barWidth + 90}" height="${shown.length * rowHeight}" viewBox="0 0 ${labelWidth + barWidth + 90} ${shown.length * rowHeight}">${bars}</svg>`;
}

function details(fn: FunctionExplanation): string {
  const list = (items: string[]) =>
    items.length === 0 ? `<p class="empty">none</p>` : `<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;
  const variables = fn.variables.map(
    (variable) =>
      `<code>${esc(variable.name)}</code> ${variable.file !== undefined ? `<span class="where">${esc(variable.file)}${variable.line !== undefined ? `:${variable.line}` : ""}</span> ` : ""}<span class="by">${esc(describeVariable(variable))}</span>`,
  );
  const params = fn.params.map(
    (param) =>
      `<code>${esc(param.name ?? param.path)}</code>${param.name !== undefined ? ` <span class="where">${esc(param.path)}</span>` : ""}` +
      `${param.default !== undefined ? ` default <code>${esc(param.default)}</code>` : ""}${param.ignored ? ` <span class="by">ignored</span>` : ""}`,
  );
  return `<details id="${anchor(fn)}" data-function="${esc(fn.name)}">
<summary><strong>${esc(fn.name)}</strong> <code>${esc(fn.file)}:${fn.line}</code> <span class="hash">${esc(fn.hash)}</span></summary>
<div class="body">
<h3>Reaches</h3>
${fn.reaches.length === 0 ? `<p class="empty">nothing outside its own code</p>` : `<ul class="tree">${tree(fn.reaches)}</ul>`}
<h3>Packages</h3>
${list(fn.packages.map((pkg) => `<code>${esc(pkg.name)}</code> ${esc(pkg.version)}`))}
<h3>Outside variables</h3>
${list(variables)}
<h3>Key from the arguments</h3>
${list(params)}${fn.ttl !== undefined ? `<p>ttl ${esc(formatDuration(fn.ttl))}</p>` : ""}
<h3>Run-time inputs</h3>
${list(fn.inputs.map((input) => `${esc(input.kind)}${input.name !== undefined ? ` <code>${esc(input.name)}</code>` : ""}`))}
<h3>Last computations</h3>
${list(fn.computations.map((computation) => `${esc(computation.at.replace(/\.\d+Z$/, "Z"))}: ${esc(computation.reason)}`))}
</div>
</details>`;
}

function tree(nodes: readonly ReachedNode[]): string {
  return nodes
    .map((node) => {
      const label = node.line !== undefined ? node.label.replace(/ \([^()]+\)$/, "") : node.label;
      const where =
        node.file !== undefined && node.line !== undefined
          ? ` <span class="where">${esc(node.file)}:${node.line}</span>`
          : "";
      const hash = node.hash ? ` <span class="hash">${esc(node.hash)}</span>` : "";
      const repeated = node.repeated ? ` <span class="by">(see above)</span>` : "";
      return `<li><span class="label">${esc(label)}</span>${where}${hash}${repeated}${node.reaches ? `<ul>${tree(node.reaches)}</ul>` : ""}</li>`;
    })
    .join("");
}

function hitRate(hits: number, misses: number): string {
  return hits + misses === 0 ? "-" : `${Math.round((hits / (hits + misses)) * 100)}%`;
}

function anchor(fn: FunctionExplanation): string {
  return `fn-${`${fn.file}-${fn.name}`.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a `<script>` element. */
function json(facts: ReportFacts): string {
  return JSON.stringify({
    format: 1,
    dir: facts.dir,
    made: facts.made.toISOString(),
    functions: facts.functions,
  }).replace(/</g, "\\u003c");
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

/** A link to a function (the table's, or a URL's #fn-…) opens its explanation. */
const SCRIPT = `
function openLinked() {
  var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === "DETAILS") target.open = true;
}
addEventListener("hashchange", openLinked);
openLinked();
`;

const CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5d6677; --line: #dde2ea; --accent: #3b6fd8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7f9; }
header { padding: 20px 32px 12px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.meta { margin: 0; color: var(--muted); }
main { padding: 16px 32px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; border-bottom: none; }
a { color: var(--accent); text-decoration: none; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg rect { fill: var(--accent); }
details { border-top: 1px solid var(--line); padding: 8px 0; }
details:first-of-type { border-top: none; }
summary { cursor: pointer; }
.hash { color: var(--muted); font: 11px ui-monospace, monospace; margin-left: 6px; }
.body { padding: 0 0 6px 18px; }
ul { margin: 2px 0; padding-left: 18px; }
ul.tree, ul.tree ul { list-style: none; padding-left: 16px; border-left: 1px solid var(--line); }
ul.tree { border-left: none; padding-left: 0; }
ul.tree li { font: 12px ui-monospace, monospace; padding: 1px 0; }
.where { color: var(--muted); font: 12px ui-monospace, monospace; }
.by { color: #2f7d4b; }
.empty { color: var(--muted); margin: 2px 0; }
`;
