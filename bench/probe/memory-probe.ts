/**
 * Preloaded into every measured server (`--expose-gc --import ./bench/probe/memory-probe.ts`), ours
 * and the baselines alike: answers `{ probe: "memory" }` on the IPC channel with a full GC and
 * `process.memoryUsage()`. The server's own code is untouched; RSS is read from /proc outside.
 */
process.on("message", (msg: { probe?: string }) => {
  if (msg?.probe !== "memory") return;
  const gc = (globalThis as { gc?: () => void }).gc;
  // Two passes: the first can leave weakly held and finalizable objects for the second.
  gc?.();
  gc?.();
  process.send?.({ probe: "memory", gc: gc !== undefined, ...process.memoryUsage() });
});
// Listening on IPC must not keep a server alive that is shutting down.
(process.channel as { unref?: () => void } | undefined)?.unref?.();
