import { createHash } from "node:crypto";

/**
 * Version of the normalization. Bump it whenever the normalized text of some
 * function could change (a new rule, a fix, a new Babel field that matters),
 * so every hash changes at once instead of some entries silently going stale
 * or being wrongly shared.
 */
export const FORMAT_VERSION = 1;

/** Everything that identifies a cached function's behavior. */
export interface HashInput {
  /** The name in the meta object. */
  name: string;
  async: boolean;
  generator: boolean;
  /** Positions (indices into the resolved parameters) left out of the key. */
  ignore: readonly number[];
  /** Outside variables left out of the key (`ignore=` names that are not parameters), sorted. */
  ignoredNames?: readonly string[];
  /** The normalized parameters and body (see `normalize.ts`). */
  normalized: string;
  /** `inputs=off`: its entries hold no run-time inputs, so they are apart from those that do. */
  inputsOff?: boolean;
}

/**
 * sha256 over the format version, the function's identity and normalized
 * code, and, when given, the hashes of what its free names refer to
 * (`dependencies`: free name → hash), folded in sorted by name so the order
 * they were found in does not matter. The `ttl` is left out on purpose:
 * a new ttl does not change what the function computes.
 */
export function hashFunction(
  input: HashInput,
  dependencies?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): string {
  const lines = [
    `cachephant-format ${FORMAT_VERSION}`,
    `name ${JSON.stringify(input.name)}`,
    `async ${input.async}`,
    `generator ${input.generator}`,
    `ignore ${input.ignore.join(",")}`,
    ...(input.ignoredNames && input.ignoredNames.length > 0
      ? [`ignore-variables ${input.ignoredNames.join(",")}`]
      : []),
    `code ${input.normalized}`,
    ...(input.inputsOff === true ? ["inputs off"] : []),
  ];
  const entries = dependencies instanceof Map ? [...dependencies] : Object.entries(dependencies ?? {});
  for (const [name, hash] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`dependency ${JSON.stringify(name)} ${hash}`);
  }
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 32);
}
