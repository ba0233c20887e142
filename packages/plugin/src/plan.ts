/**
 * The modules a build rewrites besides its directive files: those whose
 * changing bindings cached functions read (`planBuild` in the core). They
 * must be known before any module loads, since bundlers load modules in
 * parallel. The plan is remembered per project snapshot (every scanned
 * file's path, time and size): a rebuild with nothing changed analyses
 * nothing, and any edit in the project plans again.
 */
import { createHash } from "node:crypto";
import { planBuild } from "@cachephant/core";
import type { ModuleTransformer } from "./module-transformer.js";
import type { Resolve } from "./resolver.js";
import type { RewriteSet } from "./rewrite-set.js";

export async function planStateFiles(
  transformer: ModuleTransformer,
  rewrites: RewriteSet,
  root: string,
  include: (file: string) => boolean,
  resolve: Resolve | undefined,
): Promise<void> {
  const signature = createHash("sha256").update(JSON.stringify([root, rewrites.snapshot()])).digest("hex").slice(0, 32);
  const name = `plan-${signature}`;
  const saved = transformer.readExtra(name);
  let stateFiles: Iterable<string>;
  if (Array.isArray(saved) && saved.every((file) => typeof file === "string")) {
    stateFiles = saved;
  } else {
    const plan = await planBuild({ root, include, resolve, graph: transformer.moduleGraph });
    stateFiles = plan.stateFiles;
    transformer.writeExtra(name, [...plan.stateFiles]);
  }
  for (const file of stateFiles) {
    transformer.stateFiles.add(file);
    rewrites.add(file);
  }
}
