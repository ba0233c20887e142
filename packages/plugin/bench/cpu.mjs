import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (ms) of this process and its child processes (esbuild's service)
 * so far, from /proc on Linux; undefined elsewhere. On a busy machine wall
 * times swing with the neighbours' load; CPU time counts only the work.
 */
export function cpuNow() {
  const own = process.cpuUsage();
  let ticks = 0;
  try {
    for (const task of readdirSync("/proc/self/task")) {
      for (const pid of readFileSync(`/proc/self/task/${task}/children`, "utf8").split(" ").filter(Boolean)) {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      }
    }
  } catch (error) {
    if (typeof error?.code !== "string") throw error; // no /proc (not Linux), or a child that just ended
    return undefined;
  }
  return (own.user + own.system) / 1000 + ticks * 10; // 100 ticks a second
}
