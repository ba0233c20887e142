#!/usr/bin/env node
// Builds the package in the working directory from its tsdown.config.ts with
// tsdown's API. Its CLI prints a deprecation notice on every Node below 22.18,
// although tsdown 0.21 runs on the Node 20.19+ this project supports.
import { build } from "tsdown";

await build({ logLevel: "warn" });
