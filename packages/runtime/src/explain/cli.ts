/** `cachephant explain <function> [--json]`: one function's explanation, printed. */
import type { CliIO } from "../cli-format.js";
import { FunctionLookupError } from "../errors.js";
import { explain } from "./index.js";
import { formatExplanation } from "./format.js";

/** Exit code 0 with the explanation; 2 when the name matches no function or several (the candidates on stderr). */
export async function runExplain(query: string, options: { dir?: string; json: boolean }, io: CliIO): Promise<number> {
  try {
    const explanation = await explain(query, { dir: options.dir });
    io.stdout(options.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation));
    return 0;
  } catch (error) {
    if (!(error instanceof FunctionLookupError)) throw error;
    io.stderr(`cachephant: ${error.message}${error.candidates.length > 0 ? ":" : ""}`);
    for (const candidate of error.candidates) io.stderr(`  ${candidate}`);
    return 2;
  }
}
