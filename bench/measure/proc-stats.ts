/** Per-process CPU time and RSS read from /proc, from outside the measured process. */
import { readFile } from "node:fs/promises";

/** Linux USER_HZ; utime/stime in /proc/<pid>/stat count these ticks. */
const TICKS_PER_SEC = 100;

/** User + system CPU time of `pid` so far, in milliseconds. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may itself hold spaces and is wrapped in parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SEC;
}

/** Resident set size of `pid`, in bytes (VmRSS). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

export async function totalCpuMs(pids: number[]): Promise<number> {
  const all = await Promise.all(pids.map(cpuMs));
  return all.reduce((a, b) => a + b, 0);
}

/** The soft limit on open files of `pid` (each connection is one). */
export async function openFilesLimit(pid: number): Promise<number> {
  const limits = await readFile(`/proc/${pid}/limits`, "utf8");
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  if (soft === undefined) throw new Error(`no open-files limit for pid ${pid}`);
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}
