/**
 * The rules every source of settings is checked by: `configure()`, the
 * plugin's options and the `"cachephant"` key of package.json. One table of
 * settings, one message per problem, the same words wherever the setting was
 * written; each source decides whether a problem throws or warns.
 */
import { nearestNames } from "./nearest.js";
import { parseSize, SIZE_FORMAT_HINT } from "./units.js";

/** A setting's rule: undefined when the value is good, else what was expected. */
type Rule = (value: unknown) => string | undefined;

const folderPath: Rule = (value) =>
  typeof value === "string" && value.trim() !== "" ? undefined : 'expected a folder path such as ".cache/cachephant"';
const size: Rule = (value) =>
  (typeof value === "string" || typeof value === "number") && parseSize(value) !== undefined
    ? undefined
    : `not a size; use ${SIZE_FORMAT_HINT}`;
const flag: Rule = (value) => (typeof value === "boolean" ? undefined : "expected true or false");
const text: Rule = (value) => (typeof value === "string" ? undefined : "expected a string");

/** Every setting a user may write somewhere, and its rule. */
export const SETTING_RULES: Readonly<Record<string, Rule>> = {
  dir: folderPath,
  maxSize: size,
  memorySize: size,
  enabled: flag,
  debug: flag,
  remote: text,
  remoteNamespace: (value) =>
    typeof value === "string" && /^[A-Za-z0-9._/-]{1,100}$/.test(value)
      ? undefined
      : "expected a namespace of letters, digits and . _ / -",
  remoteTrustedKeys: (value) =>
    typeof value === "string" || (Array.isArray(value) && value.every((item) => typeof item === "string"))
      ? undefined
      : "expected public keys: PEM paths or texts, as a string (comma-separated) or an array",
  remoteSigningKey: () =>
    "a private key never goes in settings; set CACHEPHANT_REMOTE_SIGNING_KEY (a PEM path or text) in the environment of the machines that write, such as a CI secret",
};

/** Settings whose value is never repeated in a message. */
const SECRET_SETTINGS = new Set(["remoteSigningKey"]);

/**
 * Every environment variable Cachephant reads (the README's settings table,
 * docs/keys.md's check mode, docs/remote.md). A variable named like them
 * that is none of them is a typo to point out, not a setting to ignore silently.
 */
export const ENVIRONMENT_VARIABLES: readonly string[] = [
  "CACHEPHANT",
  "CACHEPHANT_DIR",
  "CACHEPHANT_MAX_SIZE",
  "CACHEPHANT_MEMORY_SIZE",
  "CACHEPHANT_DEBUG",
  "CACHEPHANT_CHECK",
  "CACHEPHANT_CHECK_REPORT",
  "CACHEPHANT_REMOTE",
  "CACHEPHANT_REMOTE_KEY",
  "CACHEPHANT_REMOTE_MODE",
  "CACHEPHANT_REMOTE_NAMESPACE",
  "CACHEPHANT_REMOTE_SIGNING_KEY",
  "CACHEPHANT_REMOTE_TRUSTED_KEYS",
  "CACHEPHANT_REMOTE_INSECURE",
];

/**
 * The `CACHEPHANT_*` variables set (to anything but "") that Cachephant does
 * not read, each with the nearest one it does: `CACHEPHANT_DIRR=/x is not a
 * Cachephant variable; did you mean CACHEPHANT_DIR?`.
 */
export function unknownEnvironmentNames(env: Readonly<Record<string, string | undefined>>): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("CACHEPHANT") || value === undefined || value === "" || ENVIRONMENT_VARIABLES.includes(name))
      continue;
    const nearest = nearestNames(name, ENVIRONMENT_VARIABLES, 1);
    const hint = nearest.length > 0 ? `did you mean ${nearest[0]}?` : "see the settings table in the README";
    problems.push({
      key: name,
      message: `${name}=${JSON.stringify(value)} is not a Cachephant variable, so it is ignored; ${hint}`,
    });
  }
  return problems;
}

/** One problem of a settings object: the key, and the message that names the fix. */
export interface SettingProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * The problems of `values` as settings of a source that accepts `allowed`:
 * unknown keys (with the nearest allowed ones) and values that break their
 * rule. `where` names the source in each message: a call (`configure`,
 * `cachephant`) as `configure({ key: value })`, a file's key
 * (`package.json "cachephant"`) as `package.json "cachephant": { "key": value }`.
 * @param rules rules of the source's own settings beyond `SETTING_RULES` (the plugin's `include`, …)
 */
export function settingProblems(
  where: string,
  values: object,
  allowed: readonly string[],
  rules: Readonly<Record<string, Rule>> = {},
): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const [key, value] of Object.entries(values)) {
    const text = SECRET_SETTINGS.has(key) ? "…" : show(value);
    const shown = /^\w+$/.test(where)
      ? `${where}({ ${key}: ${text} })`
      : `${where}: { ${JSON.stringify(key)}: ${text} }`;
    if (!allowed.includes(key)) {
      const nearest = nearestNames(key, allowed, 1);
      const hint = nearest.length > 0 ? `did you mean ${nearest[0]}?` : `known settings: ${allowed.join(", ")}`;
      problems.push({ key, message: `${shown}: unknown setting ${JSON.stringify(key)}; ${hint}` });
      continue;
    }
    if (value === undefined) continue; // unset: the next source decides
    const expected = (rules[key] ?? SETTING_RULES[key])?.(value);
    if (expected !== undefined) problems.push({ key, message: `${shown}: ${expected}.` });
  }
  return problems;
}

function show(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // catch-all: a user's value (a cycle, a BigInt inside, a throwing toJSON) shows as String() does.
    return String(value);
  }
}
