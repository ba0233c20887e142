/**
 * The base of Cachephant's errors in every package: a stable `code` that
 * callers and tests match on (messages may change wording), and the class's
 * own name as `name`.
 */
export abstract class CachephantError extends Error {
  abstract readonly code: string;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
