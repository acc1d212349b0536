/**
 * Memory per connected viewer, from two samples after GC: with half and with all the viewers
 * connected. A fresh process's first connections land in heap pages left over from startup, which
 * makes "after minus before" understate, hence the slope between two loaded points.
 *
 * RSS moves by whole heap pages that V8 commits or gives back around a GC, which can swamp a few
 * thousand viewers' worth, so `rss` is the heap slope plus the slope of RSS outside the V8 heap
 * (RSS - heapTotal: sockets' buffers, native objects, malloc); `rawRss` is the plain RSS slope.
 */
import { rssBytes } from "./proc-stats.js";

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

/** A server the probe (bench/probe/memory-probe.ts) answers for. */
export interface ProbedServer {
  pid: number;
  memory(): Promise<{ heapUsed: number; heapTotal: number }>;
}

export interface MemoryPerViewer {
  /** Connections added between the two samples. */
  connections: number;
  heapBytesPerViewer: number;
  rssBytesPerViewer: number;
  rawRssBytesPerViewer: number;
}

/** Memory summed over the servers, after GC: heap from the probe, RSS from /proc. */
export async function sampleMemory(servers: ProbedServer[]): Promise<MemorySample> {
  const each = await Promise.all(
    servers.map(async (s) => {
      await s.memory();
      // V8 gives freed pages back to the OS a little after a GC: let it, then GC and read again.
      await new Promise((r) => setTimeout(r, 500));
      const { heapUsed, heapTotal } = await s.memory();
      return { rss: await rssBytes(s.pid), heapUsed, heapTotal };
    }),
  );
  const sum = (k: keyof MemorySample) => each.reduce((a, m) => a + m[k], 0);
  return { rss: sum("rss"), heapUsed: sum("heapUsed"), heapTotal: sum("heapTotal") };
}

export function perViewer(mid: MemorySample, all: MemorySample, connections: number): MemoryPerViewer {
  const heap = (all.heapUsed - mid.heapUsed) / connections;
  const offHeap = (all.rss - all.heapTotal - (mid.rss - mid.heapTotal)) / connections;
  return {
    connections,
    heapBytesPerViewer: Math.round(heap),
    rssBytesPerViewer: Math.round(heap + offHeap),
    rawRssBytesPerViewer: Math.round((all.rss - mid.rss) / connections),
  };
}
