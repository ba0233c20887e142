/**
 * `cacache` on demand: importing it costs tens of milliseconds, so the
 * runtime's own import stays free of it and the first store access loads it.
 */
import type * as Cacache from "cacache";

export type CacacheModule = typeof Cacache;

let loading: Promise<CacacheModule> | undefined;

export function loadCacache(): Promise<CacacheModule> {
  loading ??= import("cacache").then((module) => (module as unknown as { default?: CacacheModule }).default ?? module);
  return loading;
}
