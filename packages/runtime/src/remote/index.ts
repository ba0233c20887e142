/**
 * The remote tier's entry point for the runtime: `withRemote` wraps the local
 * store in a `TieredStore` when a remote is configured, and returns it
 * untouched otherwise. Nothing here loads a Redis client; `client.ts` does,
 * on the first remote operation.
 */
import type { Store } from "../store/index.js";
import { RemoteStore } from "./remote-store.js";
import type { RemoteSettings } from "./settings.js";
import { TieredStore } from "./tiered.js";

export type { RemoteSettings } from "./settings.js";
export { TieredStore } from "./tiered.js";

// One remote connection per remote setting and process; one tiered store per local store and remote.
const remotes = new Map<string, RemoteStore>();
const tiered = new WeakMap<Store, Map<RemoteStore, TieredStore>>();

/** `local`, or `local` in front of the configured remote. */
export function withRemote(local: Store, remote: RemoteSettings | undefined): Store {
  if (remote === undefined) return local;
  const remoteStore = remoteFor(remote);
  let byRemote = tiered.get(local);
  if (byRemote === undefined) tiered.set(local, (byRemote = new Map<RemoteStore, TieredStore>()));
  let store = byRemote.get(remoteStore);
  if (store === undefined) byRemote.set(remoteStore, (store = new TieredStore(local, remoteStore)));
  return store;
}

export function remoteFor(settings: RemoteSettings): RemoteStore {
  let remote = remotes.get(settings.id);
  if (remote === undefined) remotes.set(settings.id, (remote = new RemoteStore(settings)));
  return remote;
}

/** Closes every remote connection and forgets them (tests, the CLI). */
export async function closeRemotes(): Promise<void> {
  const all = [...remotes.values()];
  remotes.clear();
  await Promise.all(all.map((remote) => remote.client.close()));
}
