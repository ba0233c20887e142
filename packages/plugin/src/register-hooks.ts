/**
 * Module customization hooks (run on Node's loader thread) that pass each
 * project module containing "use cache" through the core transform.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CachephantBuildError, DIRECTIVE_LIKE } from "@cachephant/core/scan";
import type { LoadHook } from "node:module";
import { buildErrorWithoutStack, warningText } from "./bundler-messages.js";
import { coreDir } from "./core.js";
import { BUILD_CACHE_DIR, ModuleTransformer } from "./module-transformer.js";
import { planStateFiles } from "./plan.js";
import { RewriteSet, scanRecordName } from "./rewrite-set.js";
import { RUNTIME_MODULE } from "./runtime-check.js";

const TRANSFORMABLE = /\.[cm]?jsx?$/;
// Node sends the hooks thread's own imports through these hooks too (see coreDir).
const CORE = pathToFileURL(coreDir()).href;
const warned = new Set<string>();
// Helper modules parsed once per process; results remembered across processes.
const root = process.cwd();
const transformer = new ModuleTransformer({
  root,
  runtimeModule: RUNTIME_MODULE,
  dir: undefined,
  maxSize: undefined,
  cacheDir: join(root, BUILD_CACHE_DIR),
});

/**
 * Before the first module: the project's scan (so another module's
 * mutation of an exported binding is seen, as in a bundler's build) and the
 * plan's state files (so a state module that loads before the transform
 * naming it, a sibling import, still gets its registration). Not
 * `registeredAhead`: a module `require`d from CommonJS does not pass
 * through this hook, so one that has not registered may still have run.
 */
let planned: Promise<void> | undefined;
async function plan(): Promise<void> {
  const include = (file: string) => TRANSFORMABLE.test(file);
  const rewrites = new RewriteSet(root, include);
  const scanName = scanRecordName(root, "register", undefined);
  const compared = rewrites.restore(transformer.readExtra(scanName));
  const changed = rewrites.scan();
  transformer.projectScanned(rewrites.signatures(), changed, compared);
  if (changed.length > 0) transformer.writeExtra(scanName, rewrites.snapshot());
  await planStateFiles(transformer, rewrites, root, include, undefined, false);
}

export const load: LoadHook = async (url, context, nextLoad) => {
  const loaded = await nextLoad(url, context);
  if (
    !url.startsWith("file:") ||
    url.includes("/node_modules/") ||
    url.startsWith(CORE) ||
    !TRANSFORMABLE.test(new URL(url).pathname)
  ) {
    return loaded;
  }
  if (loaded.format !== "module" && loaded.format !== "commonjs") return loaded;
  if (loaded.source == null) return loaded;
  const source =
    typeof loaded.source === "string" ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString("utf8");
  const file = fileURLToPath(url);
  // A failed plan leaves the hook as it was: state files learned from each transform.
  await (planned ??= plan().catch(() => undefined));
  // Node loads a module's imports after the module itself, so the modules
  // holding state that cached functions read are known (from their
  // transforms) by the time they load.
  if (!DIRECTIVE_LIKE.test(source)) {
    transformer.noDirective(file);
    if (!transformer.stateFiles.has(file)) return loaded;
  }
  let result;
  try {
    result = await transformer.transform(source, file, undefined);
  } catch (error) {
    throw error instanceof CachephantBuildError ? buildErrorWithoutStack(error, "node") : error;
  }
  if (!result) return loaded;
  for (const warning of result.warnings) {
    if (warned.has(warning.message)) continue;
    warned.add(warning.message);
    process.stderr.write(`cachephant: warning: ${warningText(warning)}\n`);
  }
  if (result.code === source) return loaded;
  const map = Buffer.from(JSON.stringify(result.map)).toString("base64");
  return {
    ...loaded,
    source: `${result.code}\n//# sourceMappingURL=data:application/json;base64,${map}\n`,
  };
};
