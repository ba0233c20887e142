/**
 * Small records beside the store (settings, built functions) written so that
 * a reader sees the old content or the new, never part of one; owner-only,
 * like the store.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { writeOwnerFile } from "./owner-only.js";

/** Writes `content` to `file` through a temporary file and a rename. Throws on a failed write. */
export function writeFileAtomically(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeOwnerFile(temporary, Buffer.from(content), "w");
  renameSync(temporary, file);
}

/** `writeFileAtomically` unless `file` already holds `content`. */
export function writeFileIfChanged(file: string, content: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  writeFileAtomically(file, content);
}
