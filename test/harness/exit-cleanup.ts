/**
 * Last-resort cleanup for the harness: kills child processes and removes temp directories when the
 * test process exits or is interrupted, even if a test failed before its own teardown ran.
 *
 * This is deliberately process-wide state: `process.on("exit")` is process-wide, and a child left
 * running by one test (a Redis node holding a port) breaks the next run. Normal teardown still goes
 * through each handle's `stop()`; this only catches what it missed.
 */
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const hooks = new Set<() => void>();
let installed = false;

function cleanupSync(): void {
  // Hooks first: one may still need a child or a directory (a Docker engine's teardown needs its
  // daemon and its data root).
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // Best effort at exit: the others still run.
    }
  }
  hooks.clear();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", cleanupSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupSync();
      // Listening to a signal cancels its default exit: re-raise it unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Kills `child` (SIGKILL) if the test process exits while it still runs. */
export function killOnExit(child: ChildProcess): void {
  install();
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/**
 * Runs `hook` (synchronously) if the test process exits or is interrupted before the returned
 * function is called; for teardowns that need more than a SIGKILL and an `rm -rf`.
 */
export function runOnExit(hook: () => void): () => void {
  install();
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Removes `dir` when the test process exits; returns a function that removes it now. */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
