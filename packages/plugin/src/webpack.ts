import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/webpack"`, then `cachephant(options?)` in the config's plugins. */
const webpack = unplugin.webpack;

export default webpack;
export type { Options } from "./options.js";
