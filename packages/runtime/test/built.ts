import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A file of the built package (`dist/`), for tests of what users install.
 * Missing means the package was not built: such a test fails with the fix
 * rather than passing without checking anything.
 */
export function builtFile(name: string): string {
  const path = fileURLToPath(new URL(`../dist/${name}`, import.meta.url));
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: run \`pnpm build\` before the unit tests (this test checks the built package).`,
    );
  return path;
}
