import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/rspack"`, then `cachephant(options?)` in the config's plugins. */
const rspack = unplugin.rspack;

export default rspack;
export type { Options } from "./options.js";
