// Module state: which module-level bindings change after load, in their own
// module or mutated from another project module; and module data proven never
// to change after load.

export { anonymousDefaultData, moduleState } from "./module-state.js";
export type { ModuleState } from "./module-state.js";
export { ProjectIndex } from "./outside-mutation.js";
export { unchangingAfterLoad } from "./unchanging-data.js";
export type { UnknowableConstruct } from "./unknowable.js";
