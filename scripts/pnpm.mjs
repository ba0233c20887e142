#!/usr/bin/env node
// Runs a pnpm command on a machine that has only Node and npm: uses the
// pnpm version pinned in package.json (through npx, which also puts it on
// PATH for turbo and nested scripts), installs the workspace first when
// needed, and retries the install, whose registry look-ups fail now and then.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const pnpmVersion = packageManager.replace(/^pnpm@/, "");
const INSTALL_ATTEMPTS = 4;
// The version is pinned on purpose: no "Update available!" banner (pnpm and
// npm read this setting from the environment).
const env = { ...process.env, npm_config_update_notifier: "false" };

function pnpm(args) {
  const onPath = process.env.npm_config_user_agent?.startsWith(`pnpm/${pnpmVersion}`);
  const [command, commandArgs] = onPath ? ["pnpm", args] : ["npx", ["--yes", `pnpm@${pnpmVersion}`, ...args]];
  return spawnSync(command, commandArgs, { cwd: root, stdio: "inherit", env }).status ?? 1;
}

function needsInstall() {
  const state = join(root, "node_modules", ".modules.yaml");
  if (!existsSync(state)) return true;
  const lock = join(root, "pnpm-lock.yaml");
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(state).mtimeMs;
}

if (needsInstall() || process.env.CI) {
  let status = 1;
  for (let attempt = 1; attempt <= INSTALL_ATTEMPTS && status !== 0; attempt++) {
    if (attempt > 1) console.error(`pnpm install failed; trying again (${attempt}/${INSTALL_ATTEMPTS})`);
    status = pnpm(["install"]);
  }
  if (status !== 0) process.exit(status);
  // pnpm leaves its state file alone when nothing changed: mark it as checked
  // against this lockfile, so the next command does not install again.
  const now = new Date();
  if (existsSync(join(root, "node_modules", ".modules.yaml")))
    utimesSync(join(root, "node_modules", ".modules.yaml"), now, now);
}

process.exit(pnpm(process.argv.slice(2)));
