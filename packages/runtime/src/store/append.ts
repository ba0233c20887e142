/**
 * Appending a line to a file that a prune may move away at the same moment
 * (an index bucket it removes, the side index's log it rotates). The prune
 * renames such a file before it looks inside, so an append that landed in the
 * moved file is either seen there (and the file put back) or made again here:
 * after writing, the writer checks that the path still names the file it
 * wrote to, and writes again when it does not. So a prune never loses a write.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from "node:fs";
import { FILE_MODE } from "../files/index.js";

/**
 * Appends `data` (one write, so concurrent appends do not interleave) to
 * `path`, created 0600 when missing, and again when the file it went to was
 * moved or removed meanwhile. `tighten`: set the mode of a file an older
 * version made too (fchmod). Returns the size of the file after the append.
 */
export function appendSafely(path: string, data: Uint8Array, tighten: (fd: number) => void = () => {}): number {
  for (let attempt = 0; ; attempt++) {
    const fd = openSync(path, "a", FILE_MODE);
    let written: { ino: number; size: number };
    try {
      tighten(fd);
      let done = 0;
      while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done);
      const stats = fstatSync(fd);
      written = { ino: stats.ino, size: stats.size };
    } finally {
      closeSync(fd);
    }
    if (attempt >= 8 || stillAt(path, written.ino)) return written.size;
  }
}

function stillAt(path: string, ino: number): boolean {
  try {
    return statSync(path).ino === ino;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
