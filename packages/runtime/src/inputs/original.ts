/**
 * The functions the input hooks replace, as they were before: the runtime's
 * own reads (fingerprints, checks, the hooks themselves) go through these and
 * are never recorded as a call's inputs.
 */
import fs from "node:fs";

export const original = {
  readFileSync: fs.readFileSync,
  statSync: fs.statSync,
  readdirSync: fs.readdirSync,
  cwd: process.cwd,
};
