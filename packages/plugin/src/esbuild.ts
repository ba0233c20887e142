import { esbuildPlugin } from "./esbuild-plugin.js";

/** `import cachephant from "@cachephant/plugin/esbuild"`, then `cachephant(options?)` in the config's plugins. */
const esbuild = esbuildPlugin;

export default esbuild;
export type { Options } from "./options.js";
