/**
 * The modules a build rewrites besides its directive files: those whose
 * changing bindings cached functions read (`planBuild` in the core). They
 * must be known before any module loads, since bundlers load modules in
 * parallel. The plan is remembered with the files it read (path, time and
 * size), the directive files it started from and the build's resolution
 * fingerprint (`resolution/`): a build where none of them changed reuses it and analyses nothing. A plan made now hands its
 * transforms to the transformer, so the bundler's transforms of the same
 * modules analyse nothing again. Resolves to whether it planned now.
 */
import { createHash } from "node:crypto";
import { loadCore } from "./core.js";
import type { ModuleTransformer } from "./module-transformer.js";
import type { OutsideStamp } from "./outside-log.js";
import type { Resolve } from "./resolver.js";
import type { RewriteSet } from "./rewrite-set.js";

interface PlanRecord {
  /** What decided where imports resolved (see `resolution/`). */
  resolution: string;
  directiveFiles: string[];
  files: Array<[file: string, signature: string | null]>;
  stateFiles: string[];
  /** The outside check the plan relied on (see `outside-log.ts`). */
  outside?: OutsideStamp;
}

export async function planStateFiles(
  transformer: ModuleTransformer,
  rewrites: RewriteSet,
  root: string,
  include: (file: string) => boolean,
  resolve: Resolve | undefined,
  /** Whether every state file found is rewritten before it runs (false for the register hook, see there). */
  ahead = true,
): Promise<boolean> {
  const name = `plan-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`;
  const directiveFiles = rewrites.files().sort();
  const saved = transformer.readExtra(name) as PlanRecord | undefined;
  let stateFiles: Iterable<string>;
  let planned = false;
  if (isPlanRecord(saved) && stillHolds(saved, directiveFiles, transformer)) {
    stateFiles = saved.stateFiles;
  } else {
    planned = true;
    const { planBuild } = await loadCore();
    const plan = await planBuild({
      root,
      include,
      resolve,
      graph: await transformer.moduleGraph(),
      files: directiveFiles,
      transform: transformer.transformOptions,
      onTransform: (file, code, result) => transformer.remember(code, file, result),
    });
    stateFiles = plan.stateFiles;
    const files = new Map(transformer.files.filesRead());
    for (const file of plan.directiveFiles) files.set(file, transformer.files.signature(file));
    const outside = transformer.outsideStamp([...plan.outsideNames]);
    transformer.writeExtra(name, {
      resolution: transformer.resolution,
      directiveFiles,
      files: [...files],
      stateFiles: [...plan.stateFiles],
      ...(outside ? { outside } : {}),
    } satisfies PlanRecord);
  }
  for (const file of stateFiles) {
    transformer.stateFiles.add(file);
    // Known before any module loads: each is rewritten with its registration
    // (unless the include/exclude options keep the bundler's transform from it).
    if (ahead && include(file)) transformer.registeredAhead.add(file);
    rewrites.add(file);
  }
  return planned;
}

function stillHolds(record: PlanRecord, directiveFiles: string[], transformer: ModuleTransformer): boolean {
  if (record.resolution !== transformer.resolution) return false;
  if (record.directiveFiles.length !== directiveFiles.length) return false;
  if (record.directiveFiles.some((file, index) => file !== directiveFiles[index])) return false;
  if (!transformer.outsideHolds(record.outside)) return false;
  return record.files.every(([file, signature]) => transformer.files.signature(file) === signature);
}

function isPlanRecord(value: unknown): value is PlanRecord {
  const record = value as PlanRecord | null | undefined;
  return (
    typeof record === "object" &&
    record !== null &&
    Array.isArray(record.directiveFiles) &&
    Array.isArray(record.files) &&
    Array.isArray(record.stateFiles)
  );
}
