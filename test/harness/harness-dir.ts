/**
 * Temp directories for harness processes, and the reaper for ones a killed test run left behind.
 *
 * Each directory records its owner's pid; processes started for it write pid files inside it. A
 * test process killed with SIGKILL runs no exit handler, so its Redis nodes would keep their ports
 * forever: the next harness start finds directories whose owner is dead and kills their processes,
 * by pid, only after checking that each one really runs inside that directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeOnExit } from "./exit-cleanup.js";

const PREFIX = "live-chat-harness-";

/** True while process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...pidFiles(path));
    else if (entry.name.endsWith(".pid") && entry.name !== "owner.pid") found.push(path);
  }
  return found;
}

/** True when process `pid` works in `dir` or names it on its command line. */
export function belongsTo(pid: number, dir: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) return true;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
  } catch {
    return false;
  }
}

/** Kills the processes of harness directories whose owner process is gone, and removes them. */
export function reapOrphans(): void {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(root, name);
    try {
      const ownerFile = join(dir, "owner.pid");
      if (existsSync(ownerFile)) {
        if (alive(Number(readFileSync(ownerFile, "utf8")))) continue;
      } else if (Date.now() - statSync(dir).mtimeMs < 60_000) {
        continue; // no owner yet: a directory being created right now
      }
      for (const file of pidFiles(dir)) {
        const pid = Number(readFileSync(file, "utf8").trim());
        if (pid > 0 && alive(pid) && belongsTo(pid, dir)) process.kill(pid, "SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by its owner, or another harness is reaping it.
    }
  }
}

export interface HarnessDir {
  path: string;
  /** Removes the directory now (it is also removed when the test process exits). */
  remove(): void;
}

/** A fresh temp directory owned by this process; reaps orphaned ones first. */
export function makeHarnessDir(kind: string): HarnessDir {
  reapOrphans();
  const path = mkdtempSync(join(tmpdir(), `${PREFIX}${kind}-`));
  writeFileSync(join(path, "owner.pid"), String(process.pid));
  return { path, remove: removeOnExit(path) };
}
