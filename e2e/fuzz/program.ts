/**
 * Seeded multi-module programs for the differential fuzzer: helper modules
 * mixing the patterns the cache must follow (state changed through setters,
 * code that runs at load, helpers across modules, re-export chains, default
 * parameters from imported constants, closures, factories, classes, JSON
 * imports, namespaces, parsed JSON only read or changed through an alias, views of module memory read past
 * their bytes), cached functions that reach them, and an entry that
 * runs a script of calls and state changes given at run time.
 *
 * A program is its shape (seeded, fixed) plus its constants: an edit changes
 * one constant, in code or in a JSON file, and the files are written again.
 */

/** A small, fast, seeded PRNG (mulberry32). */
import { seededRandom as random } from "../../scripts/seeded-random.mjs";

export { random };

type Next = () => number;
const pick = <T>(next: Next, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const int = (next: Next, low: number, high: number) => low + Math.floor(next() * (high - low + 1));

/** One pattern in a helper module: declarations, a reader `f`, maybe a setter. */
interface FeatureKind {
  name: string;
  /** How many constants it uses. */
  constants: number;
  /** Whether it exports a setter `set(v: number)` that changes state. */
  setter: boolean;
  /** Code for feature `id` with constants `c` (the reader is `${id}_f`, the setter `${id}_set`). */
  code(id: string, c: readonly number[]): string;
  /** A JSON file it imports, if any: `[name, content]`. */
  json?(id: string, c: readonly number[]): [string, string];
  /** Code in `remote.ts` (another module) exporting a setter `${id}_remote(v)` that changes its state, if any. */
  remote?(id: string, module: number): string;
  /** Statements `main.ts` runs first in each script, so every run starts from the same run-time inputs. */
  reset?(id: string): string;
  /**
   * Why a replay of a script may compute again: the cached functions that
   * reach it run uncached by rule (a value the key cannot read), or an input
   * changed since the entry was written (inputs are checked, not keyed).
   */
  replayComputes?: "uncached" | "inputs";
}

const KINDS: readonly FeatureKind[] = [
  {
    name: "plain helper",
    constants: 2,
    setter: false,
    code: (id, c) => `export function ${id}_f(x: number) { return x * ${c[0]} + ${c[1]}; }`,
  },
  {
    name: "let changed by a setter",
    constants: 2,
    setter: true,
    code: (id, c) => `let ${id}_mode = ${c[0]};
export function ${id}_set(v: number) { ${id}_mode = v; }
export function ${id}_f(x: number) { return x + ${id}_mode * ${c[1]}; }`,
  },
  {
    name: "const object mutated by configure()",
    constants: 1,
    setter: true,
    code: (id, c) => `const ${id}_config = { unit: ${c[0]} };
export function ${id}_set(v: number) { ${id}_config.unit = v; }
export function ${id}_f(x: number) { return x * ${id}_config.unit; }`,
  },
  {
    name: "array pushed by a setter",
    constants: 1,
    setter: true,
    code: (id, c) => `const ${id}_list: number[] = [${c[0]}];
export function ${id}_set(v: number) { ${id}_list.push(v); }
export function ${id}_f(x: number) { return x + ${id}_list.reduce((a, b) => a + b, 0); }`,
  },
  {
    name: "class static changed by a setter",
    constants: 1,
    setter: true,
    code: (id, c) => `class ${id}_S { static rate = ${c[0]}; }
export function ${id}_set(v: number) { ${id}_S.rate = v; }
export function ${id}_f(x: number) { return x * ${id}_S.rate; }`,
  },
  {
    name: "Map changed by a setter",
    constants: 1,
    setter: true,
    code: (id, c) => `const ${id}_m = new Map<string, number>([["k", ${c[0]}]]);
export function ${id}_set(v: number) { ${id}_m.set("k", v); }
export function ${id}_f(x: number) { return x - ${id}_m.get("k")!; }`,
  },
  {
    name: "let assigned at load",
    constants: 1,
    setter: false,
    code: (id, c) => `let ${id}_impl: (x: number) => number;
${id}_impl = (x) => x * ${c[0]};
export function ${id}_f(x: number) { return ${id}_impl(x) + 1; }`,
  },
  {
    name: "class static assigned after the class",
    constants: 1,
    setter: false,
    code: (id, c) => `class ${id}_C {}
(${id}_C as any).rate = ${c[0]};
export function ${id}_f(x: number) { return x * (${id}_C as any).rate; }`,
  },
  {
    name: "functions put into an object with Object.assign",
    constants: 1,
    setter: false,
    code: (id, c) => `export const ${id}_fns: Record<string, (x: number) => number> = {};
Object.assign(${id}_fns, { g: (x: number) => x + ${c[0]} });
export function ${id}_f(x: number) { return ${id}_fns.g!(x); }`,
  },
  {
    name: "Map registry filled at load",
    constants: 1,
    setter: false,
    code: (id, c) => `const ${id}_reg = new Map<string, (x: number) => number>();
${id}_reg.set("a", (x) => x - ${c[0]});
export function ${id}_f(x: number) { return ${id}_reg.get("a")!(x); }`,
  },
  {
    name: "prototype method assigned at load",
    constants: 1,
    setter: false,
    code: (id, c) => `function ${id}_P(this: any) {}
${id}_P.prototype.m = function (x: number) { return x * ${c[0]}; };
export function ${id}_f(x: number) { return new (${id}_P as any)().m(x); }`,
  },
  {
    name: "closure from a factory",
    constants: 2,
    setter: false,
    code: (id, c) => `function ${id}_make(k: number) { return (x: number) => x * k + ${c[1]}; }
const ${id}_made = ${id}_make(${c[0]});
export function ${id}_f(x: number) { return ${id}_made(x); }`,
  },
  {
    name: "class with a method",
    constants: 2,
    setter: false,
    code: (id, c) => `class ${id}_K {
  constructor(private n: number) {}
  get(x: number) { return x + this.n * ${c[0]}; }
}
export function ${id}_f(x: number) { return new ${id}_K(${c[1]}).get(x); }`,
  },
  {
    name: "JSON import",
    constants: 1,
    setter: false,
    code: (id) => `import ${id}_data from "./${id}.json";
export function ${id}_f(x: number) { return x + ${id}_data.v; }`,
    json: (id, c) => [`${id}.json`, `${JSON.stringify({ v: c[0] })}\n`],
  },
  {
    name: "const data table",
    constants: 2,
    setter: false,
    code: (id, c) => `const ${id}_table = [${c[0]}, ${c[1]}];
export function ${id}_f(x: number) { return x + ${id}_table[1]!; }`,
  },
  {
    name: "exported object mutated from another module",
    constants: 1,
    setter: false,
    code: (id, c) => `export const ${id}_shared = { n: ${c[0]} };
export function ${id}_f(x: number) { return x + ${id}_shared.n; }`,
    remote: (id, module) => `import { ${id}_shared } from "./h${module}";
export function ${id}_remote(v: number) { ${id}_shared.n = v; }`,
  },
  {
    name: "exported object mutated from another module through a namespace",
    constants: 1,
    setter: false,
    code: (id, c) => `const ${id}_ns = { n: ${c[0]} };
export { ${id}_ns };
export function ${id}_f(x: number) { return x * ${id}_ns.n; }`,
    remote: (id, module) => `import * as ${id}_h from "./h${module}";
export function ${id}_remote(v: number) { ${id}_h.${id}_ns.n = v; }`,
  },
  {
    name: "exported object no module mutates",
    constants: 2,
    setter: false,
    code: (id, c) => `export const ${id}_cfg = { n: ${c[0]}, m: [${c[1]}] };
export function ${id}_f(x: number) { return x * ${id}_cfg.n + ${id}_cfg.m[0]!; }`,
  },
  {
    name: "closure swapped by a setter, differing only by its captured value",
    constants: 2,
    setter: true,
    replayComputes: "uncached",
    code: (id, c) => `function ${id}_make(k: number) { return (x: number) => x * k; }
let ${id}_fn = ${id}_make(${c[0]});
export function ${id}_set(v: number) { ${id}_fn = ${id}_make(v); }
export function ${id}_f(x: number) { return ${id}_fn(x) + ${c[1]}; }`,
  },
  {
    name: "class instance with a public field changed by a setter",
    constants: 1,
    setter: true,
    code: (id, c) => `class ${id}_Settings { unit = ${c[0]}; }
const ${id}_s = new ${id}_Settings();
export function ${id}_set(v: number) { ${id}_s.unit = v; }
export function ${id}_f(x: number) { return x * ${id}_s.unit; }`,
  },
  {
    name: "class instance with a private field changed through a method",
    constants: 1,
    setter: true,
    replayComputes: "uncached",
    code: (id, c) => `class ${id}_Box { #n = ${c[0]}; put(v: number) { this.#n = v; } get() { return this.#n; } }
const ${id}_b = new ${id}_Box();
export function ${id}_set(v: number) { ${id}_b.put(v); }
export function ${id}_f(x: number) { return x + ${id}_b.get(); }`,
  },
  {
    name: "class static assigned from another module",
    constants: 1,
    setter: false,
    code: (id, c) => `export class ${id}_Rate { static rate = ${c[0]}; }
export function ${id}_f(x: number) { return x * ${id}_Rate.rate; }`,
    remote: (id, module) => `import { ${id}_Rate } from "./h${module}";
export function ${id}_remote(v: number) { ${id}_Rate.rate = v; }`,
  },
  {
    name: "function property assigned from another module",
    constants: 1,
    setter: false,
    code: (id, c) => `export function ${id}_scale(): number { return (${id}_scale as any).k ?? ${c[0]}; }
export function ${id}_f(x: number) { return x * ${id}_scale(); }`,
    remote: (id, module) => `import { ${id}_scale } from "./h${module}";
export function ${id}_remote(v: number) { (${id}_scale as any).k = v; }`,
  },
  {
    name: "environment variable read by a helper",
    constants: 1,
    setter: true,
    replayComputes: "inputs",
    code: (id, c) => `export function ${id}_set(v: number) { process.env.FUZZ_${id} = String(v); }
export function ${id}_f(x: number) { return x + Number(process.env.FUZZ_${id} ?? ${c[0]}); }`,
    reset: (id) => `delete process.env.FUZZ_${id};`,
  },
  {
    name: "file read by a helper with readFileSync",
    constants: 1,
    setter: true,
    replayComputes: "inputs",
    // A file of this process's own: the cached and the uncached builds run side by side in one folder.
    code: (id, c) => `import { readFileSync as ${id}_read, writeFileSync as ${id}_write } from "node:fs";
const ${id}_file = \`${id}-\${process.pid}.txt\`;
export function ${id}_set(v: number) { ${id}_write(${id}_file, String(v)); }
export function ${id}_f(x: number) {
  let n = ${c[0]};
  try { n = Number(${id}_read(${id}_file, "utf8")); } catch {}
  return x + n;
}`,
    reset: (id) => `(await import("node:fs")).rmSync(\`${id}-\${process.pid}.txt\`, { force: true });`,
  },
  {
    name: "parsed JSON only read (keyed once per process)",
    constants: 2,
    setter: false,
    code: (id, c) => `const ${id}_rows: Array<{ n: number }> = JSON.parse('[{"n": ${c[0]}}, {"n": ${c[1]}}]');
export function ${id}_f(x: number) { let s = 0; for (const r of ${id}_rows) s += r.n; return x + s; }`,
  },
  {
    name: "parsed JSON changed through a loop alias by a setter",
    constants: 1,
    setter: true,
    code: (id, c) => `const ${id}_rows: Array<{ n: number }> = JSON.parse('[{"n": ${c[0]}}]');
export function ${id}_set(v: number) { for (const r of ${id}_rows) r.n = v; }
export function ${id}_f(x: number) { return x + ${id}_rows.reduce((a, r) => a + r.n, 0); }`,
  },
  {
    name: "a view of module memory read past its own bytes, the memory changed by a setter",
    constants: 2,
    setter: true,
    code: (id, c) => `const ${id}_memory = new Uint8Array(8).fill(${c[0]});
const ${id}_view = new Uint8Array(${id}_memory.buffer, 2, 2);
export function ${id}_set(v: number) { ${id}_memory[7] = v; }
export function ${id}_f(x: number) { return x * ${c[1]} + new Uint8Array(${id}_view.buffer).reduce((a, b) => a + b, 0) + ${id}_view.byteOffset; }`,
  },
  {
    name: "a Map whose own property a setter changes (keyed beside its entries)",
    constants: 2,
    setter: true,
    code: (id, c) => `const ${id}_m = Object.assign(new Map([["k", ${c[0]}]]), { total: ${c[1]} });
export function ${id}_set(v: number) { ${id}_m.total = v; }
export function ${id}_f(x: number) { return x * ${id}_m.get("k")! + ${id}_m.total; }`,
  },
  {
    name: "a dictionary without a prototype changed by a setter",
    constants: 2,
    setter: true,
    code: (id, c) => `const ${id}_d: Record<string, number> = Object.assign(Object.create(null), { n: ${c[0]} });
export function ${id}_set(v: number) { ${id}_d.n = v; }
export function ${id}_f(x: number) { return x + ("toString" in ${id}_d ? 1000 : 0) + ${id}_d.n * ${c[1]}; }`,
  },
];

interface Feature {
  id: string;
  kind: FeatureKind;
  module: number;
  /** Index of its first constant in `Program.constants`. */
  first: number;
  /** Readers of earlier modules its reader adds in, and how it imports them. */
  calls: Array<{ feature: Feature; style: "named" | "namespace" }>;
}

export interface Program {
  seed: number;
  constants: number[];
  features: Feature[];
  modules: number;
  cached: Array<{
    name: string;
    reads: Array<{ feature: Feature; style: "named" | "namespace" | "reexport" }>;
    defaultConstant: number | undefined;
  }>;
  /** Setters main.ts can call: the features' own, and `remote` ones in a module of their own. */
  setters: string[];
}

/** A program's shape and initial constants, from a seed. */
export function generate(seed: number): Program {
  const next = random(seed);
  const constants: number[] = [];
  const features: Feature[] = [];
  const modules = int(next, 2, 4);
  for (let module = 0; module < modules; module++) {
    const count = int(next, 1, 3);
    for (let k = 0; k < count; k++) {
      const kind = pick(next, KINDS);
      const feature: Feature = { id: `m${module}f${k}`, kind, module, first: constants.length, calls: [] };
      for (let i = 0; i < kind.constants; i++) constants.push(int(next, 1, 9));
      const earlier = features.filter((other) => other.module < module);
      if (earlier.length > 0 && next() < 0.6)
        feature.calls.push({ feature: pick(next, earlier), style: next() < 0.5 ? "named" : "namespace" });
      features.push(feature);
    }
  }
  const cached: Program["cached"] = [];
  const count = int(next, 1, 3);
  for (let n = 0; n < count; n++) {
    const reads = [];
    for (let r = int(next, 1, 2); r > 0; r--)
      reads.push({ feature: pick(next, features), style: pick(next, ["named", "namespace", "reexport"] as const) });
    let defaultConstant: number | undefined;
    if (next() < 0.4) {
      defaultConstant = constants.length;
      constants.push(int(next, 1, 9));
    }
    cached.push({ name: `c${n}`, reads, defaultConstant });
  }
  const setters = features.filter((feature) => feature.kind.setter).map((feature) => `${feature.id}_set`);
  for (const feature of features) if (feature.kind.remote) setters.push(`${feature.id}_remote`);
  return { seed, constants, features, modules, cached, setters };
}

/** The program's files, for its current constants. */
export function files(program: Program): Record<string, string> {
  const out: Record<string, string> = {};
  const c = (feature: Feature) => program.constants.slice(feature.first, feature.first + feature.kind.constants);
  for (let module = 0; module < program.modules; module++) {
    const own = program.features.filter((feature) => feature.module === module);
    const imports = new Set<string>();
    const bodies: string[] = [];
    for (const feature of own) {
      let code = feature.kind.code(feature.id, c(feature));
      const json = feature.kind.json?.(feature.id, c(feature));
      if (json) out[`src/${json[0]}`] = json[1];
      for (const call of feature.calls) {
        const target = call.feature;
        const reader = call.style === "named" ? `${target.id}_f` : `h${target.module}.${target.id}_f`;
        imports.add(
          call.style === "named"
            ? `import { ${target.id}_f } from "./h${target.module}";`
            : `import * as h${target.module} from "./h${target.module}";`,
        );
        code = code.replace(
          `export function ${feature.id}_f(x: number) { return `,
          `export function ${feature.id}_f(x: number) { return ${reader}(x) + `,
        );
      }
      bodies.push(code);
    }
    out[`src/h${module}.ts`] = `${[...imports].join("\n")}\n${bodies.join("\n\n")}\n`;
  }
  // Re-export chain: index re-exports every module (one named, the rest with `export *`).
  out["src/index.ts"] =
    Array.from({ length: program.modules }, (_, module) => `export * from "./h${module}";`).join("\n") + "\n";
  out["src/chain.ts"] = `export * from "./index";\n`;
  out["src/consts.ts"] =
    program.cached
      .filter((fn) => fn.defaultConstant !== undefined)
      .map((fn) => `export const K_${fn.name} = ${program.constants[fn.defaultConstant!]};`)
      .join("\n") + "\nexport {};\n";
  // Setters that change an exported object from another module.
  out["src/remote.ts"] =
    program.features.flatMap((feature) => feature.kind.remote?.(feature.id, feature.module) ?? []).join("\n") +
    "\nexport {};\n";

  const cachedImports = new Set<string>(['import * as consts from "./consts";']);
  const cachedBodies = program.cached.map((fn) => {
    const terms = fn.reads.map(({ feature, style }) => {
      if (style === "named") {
        cachedImports.add(`import { ${feature.id}_f } from "./h${feature.module}";`);
        return `${feature.id}_f(x)`;
      }
      if (style === "namespace") {
        cachedImports.add(`import * as h${feature.module} from "./h${feature.module}";`);
        return `h${feature.module}.${feature.id}_f(x)`;
      }
      cachedImports.add(`import * as chain from "./chain";`);
      return `chain.${feature.id}_f(x)`;
    });
    const k = fn.defaultConstant !== undefined ? `, k = consts.K_${fn.name}` : ", k = 1";
    return `export async function ${fn.name}(x: number${k}) {
  "use cache";
  (globalThis as any).__runs[${JSON.stringify(fn.name)}] = ((globalThis as any).__runs[${JSON.stringify(fn.name)}] ?? 0) + 1;
  return (${terms.join(" + ")}) * k;
}`;
  });
  out["src/cached.ts"] = `${[...cachedImports].join("\n")}\n\n${cachedBodies.join("\n\n")}\n`;

  const setterImports = program.setters.map((name) => {
    const remoteSetter = name.endsWith("_remote");
    const module = remoteSetter ? "./remote" : `./h${name.slice(1, name.indexOf("f"))}`;
    return `import { ${name} } from "${module}";`;
  });
  const resets = program.features.flatMap((feature) => feature.kind.reset?.(feature.id) ?? []);
  out["src/main.ts"] = `${setterImports.join("\n")}
import * as cached from "./cached";
${resets.join("\n")}
(globalThis as any).__runs = {};
const setters: Record<string, (v: number) => void> = { ${program.setters.join(", ")} };
// The script: ["call", name, x] runs a cached function; ["set", name, v] changes state.
const script = (globalThis as any).__fuzzScript as Array<[string, string, number]>;
const results: unknown[] = [];
for (const [op, name, value] of script) {
  if (op === "set") setters[name]!(value);
  else results.push(await (cached as any)[name](value));
}
(globalThis as any).__fuzzOutputs.push({ results, runs: (globalThis as any).__runs });
`;
  return out;
}

/** A random script of calls and state changes. */
export function script(program: Program, next: Next): Array<[string, string, number]> {
  const steps: Array<[string, string, number]> = [];
  for (let i = int(next, 2, 6); i > 0; i--) {
    if (program.setters.length > 0 && next() < 0.4) steps.push(["set", pick(next, program.setters), int(next, 1, 4)]);
    else steps.push(["call", pick(next, program.cached).name, int(next, 0, 3)]);
  }
  return steps;
}

/** Changes one constant (in code or in a JSON file); returns a description. */
export function edit(program: Program, next: Next): string {
  const index = Math.floor(next() * program.constants.length);
  const before = program.constants[index]!;
  let after = int(next, 1, 9);
  if (after === before) after = before === 9 ? 1 : before + 1;
  program.constants[index] = after;
  const owner = program.features.find(
    (feature) => index >= feature.first && index < feature.first + feature.kind.constants,
  );
  return `constant #${index} ${before} → ${after} (${owner ? `${owner.id}: ${owner.kind.name}` : "a default parameter's constant"})`;
}

/** The cached functions whose replayed calls may compute again: they reach a feature with `replayComputes`. */
export function mayComputeOnReplay(program: Program): Set<string> {
  const reaches = (feature: Feature): boolean =>
    feature.kind.replayComputes !== undefined || feature.calls.some((call) => reaches(call.feature));
  return new Set(program.cached.filter((fn) => fn.reads.some(({ feature }) => reaches(feature))).map((fn) => fn.name));
}

/** The kinds a program uses, for the report. */
export function describe(program: Program): string {
  return program.features.map((feature) => `${feature.id}: ${feature.kind.name}`).join("; ");
}
