/**
 * Module customization hooks (run on Node's loader thread) that pass each
 * project module containing "use cache" through the core transform.
 */
import { fileURLToPath } from "node:url";
import { createModuleGraph, transform } from "@cachephant/core";
import type { LoadHook } from "node:module";
import { RUNTIME_MODULE } from "./runtime-check.js";

const TRANSFORMABLE = /\.[cm]?jsx?$/;
// Helper modules parsed once per process (the cache is keyed by content).
const graph = createModuleGraph();
// Modules whose changing bindings cached functions read: Node loads a
// module's imports after the module itself, so they are known in time.
const stateFiles = new Set<string>();
const warned = new Set<string>();

export const load: LoadHook = async (url, context, nextLoad) => {
  const loaded = await nextLoad(url, context);
  if (!url.startsWith("file:") || url.includes("/node_modules/") || !TRANSFORMABLE.test(new URL(url).pathname)) {
    return loaded;
  }
  if (loaded.format !== "module" && loaded.format !== "commonjs") return loaded;
  if (loaded.source == null) return loaded;
  const source =
    typeof loaded.source === "string" ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString("utf8");
  const file = fileURLToPath(url);
  if (!source.includes("use cache") && !stateFiles.has(file)) return loaded;
  const result = await transform(source, file, { runtimeModule: RUNTIME_MODULE, graph, stateFiles });
  if (!result) return loaded;
  for (const stateFile of result.stateFiles) stateFiles.add(stateFile);
  for (const warning of result.warnings) {
    if (warned.has(warning.message)) continue;
    warned.add(warning.message);
    process.emitWarning(warning.message, { code: "CACHEPHANT_UNKNOWABLE" });
  }
  const map = Buffer.from(JSON.stringify(result.map)).toString("base64");
  return {
    ...loaded,
    source: `${result.code}\n//# sourceMappingURL=data:application/json;base64,${map}\n`,
  };
};
