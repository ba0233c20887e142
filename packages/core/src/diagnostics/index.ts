// Build errors with stable codes, the reporter that places them in the source,
// and the warnings a transform returns.

export { CachephantBuildError } from "./build-error.js";
export type { CachephantErrorCode, ErrorLocation } from "./build-error.js";
export { ErrorReporter, spanOf } from "./reporter.js";
export { WarningCollector } from "./warnings.js";
export type { CachephantWarning } from "./warnings.js";
export {
  ABSENT,
  hasErrorCode,
  isCachephantError,
  isJsonError,
  isSystemError,
  isUrlError,
  parseJsonText,
} from "./error-kinds.js";
export { CachephantError } from "./cachephant-error.js";
