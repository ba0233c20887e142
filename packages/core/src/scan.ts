/**
 * `@cachephant/core/scan`: what a bundler plugin needs before it knows that
 * any module needs analysis. It loads no parser: a build whose every module
 * comes from the plugin's build cache never loads Babel (which costs about
 * 0.4 s per process), and imports the main entry only when it transforms.
 */
export { CachephantBuildError, type CachephantErrorCode, type ErrorLocation } from "./diagnostics/index.js";
export { DIRECTIVE_LIKE } from "./directive/index.js";
export { factsOfText, type FileFacts } from "./modules/index.js";
export { stripQuery } from "./syntax/index.js";
export {
  ABSENT,
  hasErrorCode,
  isCachephantError,
  isJsonError,
  isSystemError,
  isUrlError,
  parseJsonText,
} from "./diagnostics/index.js";
export { CachephantError } from "./diagnostics/index.js";
