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

/** Least-squares slope of `y` over `x`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/**
 * Memory per viewer fitted over several loaded points (least squares), which averages out the
 * page-sized steps RSS takes; with two points it is {@link perViewer}.
 */
export function fitPerViewer(points: { connections: number; sample: MemorySample }[]): MemoryPerViewer {
  const xs = points.map((p) => p.connections);
  const heap = slope(xs, points.map((p) => p.sample.heapUsed));
  const offHeap = slope(xs, points.map((p) => p.sample.rss - p.sample.heapTotal));
  return {
    connections: Math.max(...xs) - Math.min(...xs),
    heapBytesPerViewer: Math.round(heap),
    rssBytesPerViewer: Math.round(heap + offHeap),
    rawRssBytesPerViewer: Math.round(slope(xs, points.map((p) => p.sample.rss))),
  };
}
