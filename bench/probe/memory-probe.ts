/**
 * Preloaded into every measured server (`--expose-gc --import ./bench/probe/memory-probe.ts`), ours
 * and the baselines alike: answers `{ probe: "memory" }` on the IPC channel with a full GC and
 * `process.memoryUsage()`, and `{ probe: "snapshot", path }` by writing a heap snapshot there. The
 * server's own code is untouched; RSS is read from /proc outside.
 */
import { writeHeapSnapshot } from "node:v8";

process.on("message", (msg: { probe?: string; path?: string }) => {
  if (msg?.probe === "memory") {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Two passes: the first can leave weakly held and finalizable objects for the second.
    gc?.();
    gc?.();
    process.send?.({ probe: "memory", gc: gc !== undefined, ...process.memoryUsage() });
  } else if (msg?.probe === "snapshot" && typeof msg.path === "string") {
    // A snapshot collects garbage first, so it holds what the heap numbers count.
    process.send?.({ probe: "snapshot", path: writeHeapSnapshot(msg.path) });
  }
});
// Listening on IPC must not keep a server alive that is shutting down.
(process.channel as { unref?: () => void } | undefined)?.unref?.();
