/**
 * Where the code being built will run. The runtime needs Node (`fs`, `v8`,
 * `crypto`), so in a browser build the directive is left inert.
 */
export type TargetPlatform = "node" | "browser";

/** Said once per build when a browser build meets a directive. */
export const BROWSER_WARNING =
  '"use cache" is left inert in this browser build: the cache needs Node. ' +
  'Cached functions run uncached here; build for Node (Vite SSR, esbuild platform: "node") to cache them.';

/** What Vite's plugin context tells about the environment being built. */
interface ViteTransformContext {
  environment?: { config?: { consumer?: string } };
}

export function viteTarget(context: unknown, transformOptions: unknown): TargetPlatform {
  const consumer = (context as ViteTransformContext).environment?.config?.consumer;
  if (consumer) return consumer === "client" ? "browser" : "node";
  const ssr = (transformOptions as { ssr?: boolean } | undefined)?.ssr;
  return ssr ? "node" : "browser";
}

/** esbuild's default platform is "browser"; "neutral" output is for Node here. */
export function esbuildTarget(platform: string | undefined): TargetPlatform {
  return platform === undefined || platform === "browser" ? "browser" : "node";
}
