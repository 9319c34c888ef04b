import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Where this process runs, precisely enough to tell whether another process of the same place
 * is alive: host name, kernel boot and PID namespace (Linux). Two containers may share a host
 * name, never a PID namespace; a PID is only meaningful inside its namespace and boot.
 */
function placeOfThisProcess(): string | null {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const pidNamespace = readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
    return `${hostname()}/${boot}/${pidNamespace}`;
  } catch {
    return null; // not Linux: runners are judged by their heartbeat alone
  }
}

const place = placeOfThisProcess();

/** The `process` name a runner registers: who it is, and where, for `isDeadHere`. */
export function runnerProcessName(role: string): string {
  return `${role} @${hostname()} pid ${process.pid}${place ? ` in ${place}` : ""}`;
}

/**
 * True when `processName` (another runner's, as `runnerProcessName` wrote it) names a process of
 * this host, boot and PID namespace that no longer exists: a predecessor killed before a restart.
 * Its jobs and conversations can be taken over now instead of after its heartbeat goes stale.
 * A process with our own PID there is a predecessor too (a container restarted as PID 1).
 */
export function isDeadHere(processName: string): boolean {
  if (!place) return false;
  const match = / pid (\d+) in (\S+)$/.exec(processName);
  if (!match || match[2] !== place) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
