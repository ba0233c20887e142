/**
 * Parsed command-line values and the small helpers the commands share.
 */

export type Values = Record<string, string | boolean | undefined>;

export function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

export function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Thrown for bad usage: exit code 2 with this one-line message. */
export class UsageError extends Error {}
