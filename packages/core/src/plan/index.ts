// What a build must rewrite, known before the bundler loads a module: the
// project scan and the light pre-check of a module's text.

export { planBuild } from "./build-plan.js";
export type { BuildPlan, BuildPlanOptions } from "./build-plan.js";
