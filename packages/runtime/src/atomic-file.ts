/**
 * Small records beside the store (settings, built functions) written so that
 * a reader sees the old content or the new, never part of one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes `content` to `file` unless it already holds it: a temporary file, then a rename. Throws on a failed write. */
export function writeFileIfChanged(file: string, content: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
