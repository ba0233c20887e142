// Files only their owner may read, written whole or not at all: the store's
// entries and the records beside it (settings, the functions each build made).

export { writeFileAtomically, writeFileIfChanged } from "./atomic-file.js";
export { DIR_MODE, FILE_MODE, forgetDir, makeOwnerDir, tightenStore, writeOwnerFile } from "./owner-only.js";
