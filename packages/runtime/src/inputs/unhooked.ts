/**
 * Node's functions as they are before `hooks.ts` replaces them: the runtime's
 * own reads (fingerprints, checks) use these, so they are never noted as a
 * call's inputs. Captured when this module loads, before any hook is installed.
 */
import fs from "node:fs";

/** The unhooked functions, for the runtime's own fingerprinting and checks. */
export const original = {
  readFileSync: fs.readFileSync,
  statSync: fs.statSync,
  readdirSync: fs.readdirSync,
  // eslint-disable-next-line @typescript-eslint/unbound-method -- always called as original.cwd.call(process)
  cwd: process.cwd,
};
