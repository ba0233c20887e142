// Importing the runtime stays free of the Redis client: only a configured
// remote's first operation loads it (src/remote/client.ts, `import("ioredis")`).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const src = fileURLToPath(new URL("../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

test("no runtime module imports ioredis at load time; one loads it on demand", () => {
  const staticImports: string[] = [];
  const dynamicImports: string[] = [];
  for (const file of sources(src)) {
    const code = readFileSync(file, "utf8");
    for (const match of code.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"ioredis";/gm)) {
      if (match[1] === undefined) staticImports.push(file);
    }
    if (/import\("ioredis"\)/.test(code)) dynamicImports.push(file.slice(src.length + 1));
  }
  expect(staticImports).toEqual([]);
  expect(dynamicImports).toEqual(["remote/client.ts"]);
});
