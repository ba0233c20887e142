// Run in a project folder: loads a module through a Vite dev server's SSR
// module runner (HMR on, as frameworks run their server code), calls an
// export, changes a file, waits until Vite's update reached the runner, and
// calls the export again; prints each result and the cached bodies run, as
// JSON lines, then the kinds of update the client (browser) environment got,
// which loaded every module too. Arguments after the edit are the export's arguments; an
// argument `then:<name>` calls that export of the module first (e.g. one
// that mutates data) before the second call.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { sep } from "node:path";
import { createServer, createServerModuleRunner } from "vite";

const [module, name, file, from, to, ...rest] = process.argv.slice(2);
const before = rest.filter((arg) => arg.startsWith("then:")).map((arg) => arg.slice(5));
const args = rest.filter((arg) => !arg.startsWith("then:")).map(Number);

const server = await createServer({ logLevel: "error", server: { middlewareMode: true, ws: false } });
const environment = server.environments.ssr;
const runner = createServerModuleRunner(environment, { hmr: { logger: false } });
// Each update the server sends to an environment, so the script can wait for the one the edit causes.
let updates = 0;
const clientUpdates = [];
const count = (target, onSend) => {
  const send = target.hot.send.bind(target.hot);
  target.hot.send = (...payload) => {
    onSend(payload[0]);
    return send(...payload);
  };
};
count(environment, () => updates++);
count(server.environments.client, (payload) =>
  clientUpdates.push(typeof payload === "string" ? payload : payload?.type),
);

const call = async (setup = []) => {
  const loaded = await runner.import(module);
  for (const other of setup) await loaded[other]();
  const { runs } = await runner.import("/src/runs.ts");
  const counted = { ...runs };
  const result = await loaded[name](...args);
  const after = Object.fromEntries(
    Object.entries(runs)
      .map(([key, n]) => [key, n - (counted[key] ?? 0)])
      .filter(([, n]) => n > 0),
  );
  return { result, ran: after };
};

console.log(JSON.stringify(await call()));
// The browser loads every module too (the plugin leaves browser code alone).
for (const file of readdirSync("src", { recursive: true }).filter((name) => name.endsWith(".ts"))) {
  await server.environments.client.transformRequest(`/src/${file.split(sep).join("/")}`);
}
const seen = updates;
const changed = new Promise((resolve) => server.watcher.on("change", resolve));
writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
await changed;
for (let waited = 0; updates === seen && waited < 5000; waited += 20)
  await new Promise((resolve) => setTimeout(resolve, 20));
await new Promise((resolve) => setTimeout(resolve, 100)); // the runner handles the update
console.log(JSON.stringify(await call(before)));
console.log(JSON.stringify({ client: clientUpdates }));
await runner.close();
await server.close();
