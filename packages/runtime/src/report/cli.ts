/** `cachephant report [--out FILE] [--open]`: writes the report and says where. */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { CliIO } from "../cli-format.js";
import { writeReport } from "./index.js";

export async function runReport(options: { dir?: string; out?: string; open: boolean }, io: CliIO): Promise<number> {
  const report = await writeReport({ dir: options.dir, out: options.out });
  io.stdout(
    `Wrote a report of ${report.functions} cached ${report.functions === 1 ? "function" : "functions"} to ${report.path}`,
  );
  if (options.open) openInBrowser(report.path, io);
  return 0;
}

/** Hands the file to the system's opener; the report is written whether or not a browser opens. */
function openInBrowser(path: string, io: CliIO): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [path]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", path]]
        : ["xdg-open", [path]];
  try {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.on("error", () =>
      io.stderr(`cachephant: could not open a browser (${command}); open ${resolve(path)} yourself`),
    );
    child.unref();
  } catch {
    // catch-all: whatever keeps a browser from starting, the user is told where the report is.
    io.stderr(`cachephant: could not open a browser (${command}); open ${resolve(path)} yourself`);
  }
}
