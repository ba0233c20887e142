/**
 * When results remembered across builds may no longer hold because another
 * module started mutating data they count by code. A transform's output
 * depends on every project file that names a piece of exported data it
 * reaches (the core's `outsideNames`): a file edited to mutate `config`
 * names `config`. So each changed file's words are logged with the epoch
 * of the change; a remembered result written at epoch E holds while none
 * of its names was touched after E. A change that could touch any name (a
 * file holding a whole module object: `import * as`, `require(`,
 * `import(`), or a scan without an earlier one to compare with, touches
 * all of them. A deleted file can only remove a mutation: a result that
 * counted by value stays correct.
 */
import { readFileSync } from "node:fs";
import { factsOfText } from "@cachephant/core/scan";
import { ABSENT, hasErrorCode } from "@cachephant/core/scan";

/** The outside check a result relied on: the names searched, and the epoch it was computed at. */
export interface OutsideStamp {
  names: string[];
  epoch: number;
}

interface LogRecord {
  epoch: number;
  /** Epoch of the last change that may touch any name. */
  all: number;
  /** By word: epoch of the last change of a file that holds it. */
  words: Record<string, number>;
}

/** Words kept before the log starts over (with `all` moved, so nothing stale survives). */
const MAX_WORDS = 200_000;

export class OutsideLog {
  private record: LogRecord;

  constructor(private readonly storage: { read(): unknown; write(value: LogRecord): void }) {
    const saved = storage.read() as LogRecord | undefined;
    this.record = isRecord(saved) ? saved : { epoch: 1, all: 1, words: {} };
  }

  get epoch(): number {
    return this.record.epoch;
  }

  /**
   * Files created or changed since the last note (`compared`: false when
   * there was no earlier scan to compare with, so anything may have changed).
   */
  note(files: Iterable<string>, compared = true): void {
    const record = this.record;
    const epoch = record.epoch + 1;
    let touched = false;
    if (!compared) {
      // Every name may have been touched: no need to read the words.
      record.all = epoch;
      touched = true;
      files = [];
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        // Deleted (or a folder): it can only have removed a mutation.
        if (hasErrorCode(error, [...ABSENT, "EISDIR"])) continue;
        throw error;
      }
      const facts = factsOfText(text);
      touched = true;
      if (facts.moduleObjects) record.all = epoch;
      for (const word of facts.words) record.words[word] = epoch;
    }
    if (!touched) return;
    record.epoch = epoch;
    if (Object.keys(record.words).length > MAX_WORDS) {
      record.words = {};
      record.all = epoch;
    }
    this.storage.write(record);
  }

  /** Whether a result stamped so still holds. */
  holds(stamp: OutsideStamp | undefined): boolean {
    if (!stamp || stamp.names.length === 0) return true;
    if (stamp.epoch < this.record.all) return false;
    return stamp.names.every((name) => (this.record.words[name] ?? 0) <= stamp.epoch);
  }

  stamp(names: readonly string[]): OutsideStamp {
    return { names: [...names], epoch: this.record.epoch };
  }
}

function isRecord(value: unknown): value is LogRecord {
  const record = value as LogRecord | null | undefined;
  return (
    typeof record === "object" &&
    record !== null &&
    typeof record.epoch === "number" &&
    typeof record.all === "number" &&
    typeof record.words === "object" &&
    record.words !== null
  );
}
