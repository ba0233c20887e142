// Run in a project folder: starts a Vite dev server, transforms a module for
// SSR, changes a file it depends on, waits for the watcher, and transforms it
// again; prints the code hashes of its cached functions (and the state they
// are keyed by) as JSON lines.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "vite";

const [module, file, from, to] = process.argv.slice(2);
// Each cached function's hash, then the state its calls are keyed by, if any.
const hashes = (code) => [
  ...[...code.matchAll(/hash:\s*"(\w+)",\s*name:\s*"(\w+)"/g)].map((m) => `${m[2]}:${m[1]}`),
  ...[...code.matchAll(/state: (\[\[.*?\]\])/g)].map((m) => `state ${m[1]}`),
];

const server = await createServer({ logLevel: "silent", server: { middlewareMode: true, hmr: false } });
const before = await server.transformRequest(module, { ssr: true });
console.log(JSON.stringify(hashes(before.code)));

const changed = new Promise((resolve) => server.watcher.on("change", resolve));
writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
await changed;
await new Promise((resolve) => setTimeout(resolve, 100)); // let Vite's own handler run first
const after = await server.transformRequest(module, { ssr: true });
console.log(JSON.stringify(hashes(after.code)));
await server.close();
