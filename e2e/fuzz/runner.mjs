// Runs a built fuzz program once per script, in this one process: each run
// imports the bundle afresh (a new module instance, so module state starts
// over), against the same store. Prints one JSON line: the outputs in order.
import { pathToFileURL } from "node:url";

const [file, scripts] = JSON.parse(process.env.FUZZ_RUNS);
globalThis.__fuzzOutputs = [];
for (const [index, script] of scripts.entries()) {
  globalThis.__fuzzScript = script;
  await import(`${pathToFileURL(file).href}?run=${index}`);
}
console.log(JSON.stringify(globalThis.__fuzzOutputs));
