/**
 * For tests of the remote tier: the remote env variables cleared per test,
 * remote connections closed, short deadlines, and access to the tiered store
 * the runtime uses (to wait for its background writes).
 */
import { afterAll, afterEach, beforeEach } from "vitest";
import { configure } from "../src/index.js";
import { settingsFor } from "../src/config.js";
import { closeRemotes, withRemote, type TieredStore } from "../src/remote/index.js";
import { remoteTimings } from "../src/remote/timing.js";
import { generateKeyPair } from "../src/remote/trust.js";
import { storeAt } from "../src/store/index.js";
import { stopAllRedis } from "./redis-server.js";

const REMOTE_ENV = [
  "CACHEPHANT_REMOTE",
  "CACHEPHANT_REMOTE_KEY",
  "CACHEPHANT_REMOTE_MODE",
  "CACHEPHANT_REMOTE_SIGNING_KEY",
  "CACHEPHANT_REMOTE_TRUSTED_KEYS",
  "CACHEPHANT_REMOTE_INSECURE",
  "CACHEPHANT_REMOTE_NAMESPACE",
] as const;
const DEFAULT_TIMINGS = { ...remoteTimings };

/** Test deadlines: short, so faults show in well under a second. */
export const TEST_TIMINGS = {
  connectMs: 400,
  operationMs: 400,
  writeWaitMs: 100,
  retryAfterMs: 60_000,
  lockMs: 3000,
  lockPollMs: 20,
};

export function useRemoteEnv(): void {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of REMOTE_ENV) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    Object.assign(remoteTimings, DEFAULT_TIMINGS, TEST_TIMINGS);
  });
  afterEach(async () => {
    for (const name of REMOTE_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    configure({ remote: undefined });
    await closeRemotes();
    Object.assign(remoteTimings, DEFAULT_TIMINGS);
  });
  afterAll(stopAllRedis);
}

/** The tiered store cached functions use now (the remote must be configured). */
export function currentTieredStore(): TieredStore {
  const settings = settingsFor();
  const store = withRemote(storeAt(settings.dir), settings.remote);
  if (!("settled" in store)) throw new Error("no remote is configured");
  return store as TieredStore;
}

/** A machine's remote settings: a key of either kind, or none (then the insecure opt-in, unless `insecure: false`). */
export interface MachineEnv {
  key?: string;
  mode?: string;
  signingKey?: string;
  trustedKeys?: string;
  namespace?: string;
  insecure?: boolean;
}

/** Points the runtime at `remote` with this machine's keys and mode, and a fresh local store `dir`. */
export function useRemote(dir: string, url: string, env: MachineEnv = {}): void {
  configure({ dir, remote: url });
  const keyed = env.key !== undefined || env.signingKey !== undefined || env.trustedKeys !== undefined;
  const values: Record<string, string | undefined> = {
    CACHEPHANT_REMOTE_KEY: env.key,
    CACHEPHANT_REMOTE_MODE: env.mode,
    CACHEPHANT_REMOTE_SIGNING_KEY: env.signingKey,
    CACHEPHANT_REMOTE_TRUSTED_KEYS: env.trustedKeys,
    CACHEPHANT_REMOTE_NAMESPACE: env.namespace,
    CACHEPHANT_REMOTE_INSECURE: (env.insecure ?? !keyed) ? "1" : undefined,
  };
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) process.env[name] = value;
    else delete process.env[name];
  }
}

/** A new Ed25519 key pair as PEM texts (what `cachephant remote keygen` writes). */
export function keyPair(): { privatePem: string; publicPem: string; id: string } {
  return generateKeyPair();
}
