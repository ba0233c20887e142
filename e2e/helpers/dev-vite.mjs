// Run in a project folder: loads a module through a Vite dev server's SSR
// module runner, calls one of its exports, and prints the result as JSON.
import { createServer } from "vite";

const [module, name, ...args] = process.argv.slice(2);
const server = await createServer({ logLevel: "error", server: { middlewareMode: true, hmr: false } });
const loaded = await server.ssrLoadModule(module);
const { runs } = await server.ssrLoadModule("/src/runs.ts");
const result = await loaded[name](...args.map(Number));
console.log(JSON.stringify({ result, runs }));
await server.close();
