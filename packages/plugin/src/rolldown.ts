import { unplugin } from "./index.js";

/** `import cachephant from "@cachephant/plugin/rolldown"`, then `cachephant(options?)` in the config's plugins. */
const rolldown = unplugin.rolldown;

export default rolldown;
export type { Options } from "./options.js";
