import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/vite"`, then `cachephant(options?)` in the config's plugins. */
const vite = unplugin.vite;

export default vite;
export type { Options } from "./options.js";
