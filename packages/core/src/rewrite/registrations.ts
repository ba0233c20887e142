/**
 * What the rewrite puts first in a module to hand the runtime what it cannot
 * see otherwise: the current values of its changing bindings (state) and the
 * classes whose instances cached results may hold. Getters, so nothing is read
 * before the module has declared it.
 */
import type { ClassEntry } from "../key/index.js";

/**
 * Put first in a module whose bindings change after load: hands the runtime a
 * getter per binding, so a cached function that reaches them (through any
 * helper) keys its calls by their current values.
 */
export function stateRegistration(
  register: string,
  file: string,
  getters: ReadonlyArray<readonly [name: string, expression: string]>,
): string {
  return `${register}(${JSON.stringify(file)}, { ${getters.map(([name, expression]) => `${JSON.stringify(name)}: () => ${expression}`).join(", ")} });`;
}

/**
 * The same for CommonJS, which loads the runtime only on a cached call: the
 * getters go straight into the registry every runtime copy shares
 * (`Symbol.for("cachephant.state")`, read by the runtime's `state/module-state.ts`).
 */
export function sharedRegistration(file: string, names: readonly string[]): string {
  const getters = names.map((name) => `${JSON.stringify(name)}: () => ${name}`).join(", ");
  // Merged with what the module registered before (a dev server evaluates it again).
  return `((r, f) => r.set(f, { ...r.get(f), ${getters} }))(globalThis[Symbol.for("cachephant.state")] ??= new Map(), ${JSON.stringify(file)});`;
}

/**
 * Put first in a module with cached functions: the classes they name (or
 * reach in the module), by id, so instances of them in a result come back as
 * instances (`registerClasses` of the runtime's `classes.ts`).
 */
export function classRegistration(register: string, classes: readonly ClassEntry[]): string {
  return `${register}({ ${classGetters(classes)} });`;
}

/** The same for CommonJS: straight into the registry every runtime copy shares (`Symbol.for("cachephant.classes")`). */
export function sharedClassRegistration(classes: readonly ClassEntry[]): string {
  return `((r, c) => { for (const k in c) r.set(k, c[k]); })(globalThis[Symbol.for("cachephant.classes")] ??= new Map(), { ${classGetters(classes)} });`;
}

function classGetters(classes: readonly ClassEntry[]): string {
  return classes.map((entry) => `${JSON.stringify(entry.id)}: () => ${entry.expression}`).join(", ");
}
