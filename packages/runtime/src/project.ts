/**
 * The project a store belongs to, and the settings the project gives: the
 * plugin's options (recorded by the plugin at each build in a small file at a
 * fixed place under the project root, so that the CLI and the api see them
 * too: `recorded-settings.ts`) and a `"cachephant"` key in the project's
 * package.json.
 *
 * Shared by the runtime (reading) and the plugin (recording), so both agree
 * on where the file is and what it holds.
 */
export { nearestPackageRoot, rootSearchStart, PACKAGE_SETTINGS, readPackageSettings } from "./project-root.js";
export {
  readRecordedSettings,
  RECORDED_SETTINGS_FILE,
  recordSettings,
  type ProjectSettings,
  type RecordedSettings,
  type RecordOutcome,
} from "./recorded-settings.js";
export { settingProblems, type SettingProblem } from "./settings-check.js";
export {
  recordBuiltModule,
  builtModuleFile,
  builtModuleFiles,
  type BuiltModule,
  type BuiltFunction,
} from "./built-functions.js";
