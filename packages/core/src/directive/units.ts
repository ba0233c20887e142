/**
 * Sizes and durations as users write them in directives, options, environment
 * variables and CLI flags. Shared by the build step (`ttl=1h`) and the runtime
 * (`maxSize: "2GB"`, `--max-age 7d`) so both read them the same way.
 */

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;
/**
 * The one duration grammar (`ttl=`, `--max-age`, settings): a number, whole or
 * with a fraction, then a unit, with nothing between them: `30s`, `10m`,
 * `1.5h`, `7d`, `1w`, `250ms`. Units are lowercase only, so `1M` is never
 * read as minutes by someone who meant months.
 */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/**
 * Parses `"500MB"`, `"2 GiB"`, `"1024"` (bytes) or a number of bytes.
 * Returns `undefined` for anything else; callers turn that into an error that
 * names where the value came from.
 */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === "number") {
    return Number.isFinite(input) && input >= 0 ? Math.floor(input) : undefined;
  }
  const match = SIZE_PATTERN.exec(input.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] || "b").toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Parses `"30s"`, `"10m"`, `"1.5h"`, `"7d"`, `"1w"`, `"500ms"` into
 * milliseconds (see `DURATION_PATTERN`). Surrounding whitespace is ignored;
 * anything else, and a duration under a millisecond, is `undefined`.
 */
export function parseDuration(input: string): number | undefined {
  const match = DURATION_PATTERN.exec(input.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
  return ms >= 1 ? ms : undefined;
}

export const SIZE_FORMAT_HINT = "a number of bytes or a size such as 500MB, 2GB or 1GiB";
export const DURATION_FORMAT_HINT =
  "a duration: a number and one of ms, s, m, h, d, w with nothing between, such as 30s, 10m, 1.5h or 7d";
