/** A plugin option the plugin cannot use; thrown when the plugin is created. */
export class PluginOptionsError extends Error {
  readonly code = "CACHEPHANT_BAD_PLUGIN_OPTION";
  override name = "PluginOptionsError";
}

/** `@cachephant/runtime` cannot be resolved from a module that needs it. */
export class RuntimeNotFoundError extends Error {
  readonly code = "CACHEPHANT_RUNTIME_NOT_FOUND";
  override name = "RuntimeNotFoundError";
}
