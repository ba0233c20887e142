import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/esbuild"`, then `cachephant(options?)` in the config's plugins. */
const esbuild = unplugin.esbuild;

export default esbuild;
export type { Options } from "./options.js";
