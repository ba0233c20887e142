/** A plugin option the plugin cannot use; thrown when the plugin is created. */
import { CachephantError } from "@cachephant/core/scan";
export class PluginOptionsError extends CachephantError {
  readonly code = "CACHEPHANT_BAD_PLUGIN_OPTION";
}

/** `@cachephant/runtime` cannot be resolved from a module that needs it. */
export class RuntimeNotFoundError extends CachephantError {
  readonly code = "CACHEPHANT_RUNTIME_NOT_FOUND";
}
