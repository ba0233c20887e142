import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/rollup"`, then `cachephant(options?)` in the config's plugins. */
const rollup = unplugin.rollup;

export default rollup;
export type { Options } from "./options.js";
