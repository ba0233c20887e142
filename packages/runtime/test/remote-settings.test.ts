// The remote tier's settings: the environment over configure() over
// package.json, the keys, the mode and the namespace; bad values are one
// warning and the safe default.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { resolveSettings } from "../src/config.js";
import { redactUrl } from "../src/remote/settings.js";
import { readPackageSettings } from "../src/project.js";
import { tempDir, useRuntime, warnings } from "./helpers.js";
import { keyPair } from "./remote-helpers.js";

const runtime = useRuntime();

const remoteOf = (env: Record<string, string>, remote?: string) =>
  resolveSettings(
    { env, cwd: "/work/app", root: "/work/app", configured: remote === undefined ? {} : { remote }, plugin: {} },
    () => {},
  ).remote;

describe("remote settings", () => {
  test("no remote unless one is set; CACHEPHANT_REMOTE wins over configure({ remote })", () => {
    const insecure = { CACHEPHANT_REMOTE_INSECURE: "1" };
    expect(remoteOf(insecure)).toBeUndefined();
    expect(remoteOf(insecure, "redis://configured:6379")).toMatchObject({
      url: "redis://configured:6379",
      trust: { kind: "insecure" },
      mode: "readwrite",
      namespace: "",
    });
    expect(remoteOf({ ...insecure, CACHEPHANT_REMOTE: "rediss://env:6380/2" }, "redis://configured:6379")?.url).toBe(
      "rediss://env:6380/2",
    );
    expect(remoteOf({ ...insecure, CACHEPHANT_REMOTE: "off" }, "redis://configured:6379")).toBeUndefined();
  });

  test("the HMAC key, the mode and the namespace come from the environment", () => {
    const env = {
      CACHEPHANT_REMOTE: "redis://h:1",
      CACHEPHANT_REMOTE_KEY: "k",
      CACHEPHANT_REMOTE_MODE: "read",
      CACHEPHANT_REMOTE_NAMESPACE: "main",
    };
    expect(remoteOf(env)).toMatchObject({
      url: "redis://h:1",
      trust: { kind: "hmac", secret: "k" },
      mode: "read",
      namespace: "main",
    });
    expect(remoteOf({ ...env, CACHEPHANT_REMOTE_MODE: "readwrite" })).toMatchObject({
      trust: { kind: "hmac" },
      mode: "readwrite",
    });
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("package.json's remote settings apply under configure() and the environment; its key paths are relative to the project root", () => {
    const root = tempDir();
    const { publicPem } = keyPair();
    writeFileSync(join(root, "team.pub"), publicPem);
    const manifest = { remote: "redis://manifest:1", remoteTrustedKeys: ["team.pub"], remoteNamespace: "from-package" };
    const resolved = (env: Record<string, string>, configured = {}) =>
      resolveSettings({ env, cwd: "/", root, configured, plugin: {}, manifest }, () => {}).remote;
    const fromManifest = resolved({});
    expect(fromManifest).toMatchObject({
      url: "redis://manifest:1",
      namespace: "from-package",
      mode: "read",
      trust: { kind: "ed25519", signer: undefined },
    });
    expect(resolved({}, { remote: "redis://configured:1", remoteNamespace: "from-code" })).toMatchObject({
      url: "redis://configured:1",
      namespace: "from-code",
    });
    expect(resolved({ CACHEPHANT_REMOTE: "redis://env:1", CACHEPHANT_REMOTE_NAMESPACE: "from-env" })).toMatchObject({
      url: "redis://env:1",
      namespace: "from-env",
    });
    expect(warnings(runtime.stderr())).toEqual([]);
  });

  test("Ed25519 keys win over an HMAC key, with one warning that it is ignored", () => {
    const { privatePem, id } = keyPair();
    const remote = remoteOf({
      CACHEPHANT_REMOTE: "redis://h:1",
      CACHEPHANT_REMOTE_KEY: "k",
      CACHEPHANT_REMOTE_SIGNING_KEY: privatePem,
    });
    expect(remote).toMatchObject({ mode: "readwrite", trust: { kind: "ed25519", signer: { id } } });
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining("CACHEPHANT_REMOTE_KEY is ignored: Ed25519 keys"),
    ]);
  });

  test("a private key in package.json is refused with a message that does not repeat it", () => {
    const root = tempDir();
    const { privatePem } = keyPair();
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ cachephant: { remote: "redis://h:1", remoteSigningKey: privatePem } }),
    );
    const said: string[] = [];
    expect(readPackageSettings(root, (message) => said.push(message))).toEqual({ remote: "redis://h:1" });
    expect(said).toEqual([
      'package.json "cachephant": { "remoteSigningKey": … }: a private key never goes in settings; set CACHEPHANT_REMOTE_SIGNING_KEY (a PEM path or text) in the environment of the machines that write, such as a CI secret.',
    ]);
  });

  test("a URL that is not redis:// is one warning without its credentials, and no remote", () => {
    expect(remoteOf({ CACHEPHANT_REMOTE: "http://user:hunter22@cache:6379" })).toBeUndefined();
    expect(warnings(runtime.stderr())).toEqual([
      "cachephant: CACHEPHANT_REMOTE is not a redis:// or rediss:// URL (http://cache:6379); running without the remote tier",
    ]);
  });

  test("a mode that is not understood is one warning, and the machine only reads", () => {
    expect(
      remoteOf({ CACHEPHANT_REMOTE: "redis://h:1", CACHEPHANT_REMOTE_KEY: "k", CACHEPHANT_REMOTE_MODE: "readonly-ish" })
        ?.mode,
    ).toBe("read");
    expect(warnings(runtime.stderr())).toEqual([
      expect.stringContaining('CACHEPHANT_REMOTE_MODE="readonly-ish" is not understood'),
    ]);
  });

  test("output shows a URL without user, password or query", () => {
    expect(redactUrl("redis://ops:p%40ss@cache.internal:6379/2?tls=1")).toBe("redis://cache.internal:6379/2");
    expect(redactUrl("not a url :pw@")).toBe("(an unparseable URL)");
  });
});
