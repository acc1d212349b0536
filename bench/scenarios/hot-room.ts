/**
 * The hot room: thousands of viewers of one stream over every replica. Measures memory per idle
 * viewer (before any message), then a ladder of message rates up to and past saturation.
 */
import { LoadFleet } from "../load/load-fleet.js";
import type { ClientSpec } from "../load/load-protocol.js";
import { rssBytes } from "../measure/proc-stats.js";
import type { RedisTrafficMeter } from "../measure/redis-traffic.js";
import type { ServerProcess } from "../servers/server-process.js";
import { measureIdle, runStep, type IdleRate, type StepResult } from "./load-step.js";

export interface HotRoomOptions {
  viewers: number;
  senders: number;
  rates: number[];
  stepMs: number;
  textLength: number;
  loadProcesses: number;
}

/**
 * Memory per viewer is the slope between two samples, with half and with all the viewers
 * connected, both after GC: a fresh process's first connections land in heap pages left over from
 * startup, which makes "after minus before" understate. Raw RSS also moves by whole heap pages
 * that V8 commits or gives back at a GC, which can swamp 1000 viewers' worth; so the RSS figure is
 * the heap slope plus the slope of RSS outside the V8 heap (RSS - heapTotal: sockets, buffers,
 * native objects). The raw RSS slope is kept too.
 */
export interface MemoryPerViewer {
  /** Connections added between the two samples. */
  connections: number;
  rssBytesPerViewer: number;
  heapBytesPerViewer: number;
  rawRssBytesPerViewer: number;
  /** Before any client, with half the viewers, with all of them; summed over the replicas. */
  samples: ({ connections: number } & MemorySample)[];
}

interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

export interface HotRoomResult {
  viewers: number;
  memory: MemoryPerViewer;
  idle: IdleRate;
  steps: StepResult[];
}

/** Memory summed over the replicas, after GC: heap from the probe, RSS from /proc. */
async function sampleMemory(servers: ServerProcess[]): Promise<MemorySample> {
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

export async function runHotRoom(
  servers: ServerProcess[],
  meter: RedisTrafficMeter,
  options: HotRoomOptions,
  room: string,
  register: (name: string, stop: () => Promise<void>) => void,
  log: (line: string) => void,
): Promise<HotRoomResult> {
  const at = (i: number): ClientSpec => ({ url: servers[i % servers.length]!.url, replica: i % servers.length, rooms: [room] });
  const viewers = Array.from({ length: options.viewers }, (_, i) => at(i));
  const senders = Array.from({ length: options.senders }, (_, i) => at(i));

  const half = Math.floor(options.viewers / 2);
  const samples = [{ connections: 0, ...(await sampleMemory(servers)) }];
  log(`  connecting ${options.viewers} viewers to ${room}`);
  const fleet = await LoadFleet.start(viewers.slice(0, half), senders, { viewerProcesses: options.loadProcesses }, register);
  try {
    // Let the join-time work (viewer-count announcements, timers) settle before sampling.
    await new Promise((r) => setTimeout(r, 1_500));
    samples.push({ connections: half + options.senders, ...(await sampleMemory(servers)) });
    await fleet.addViewers(viewers.slice(half));
    await new Promise((r) => setTimeout(r, 1_500));
    samples.push({ connections: options.viewers + options.senders, ...(await sampleMemory(servers)) });
    const [, mid, all] = samples as [unknown, (typeof samples)[0], (typeof samples)[0]];
    const connections = all.connections - mid.connections;
    const heap = (all.heapUsed - mid.heapUsed) / connections;
    const offHeap = (all.rss - all.heapTotal - (mid.rss - mid.heapTotal)) / connections;
    const memory: MemoryPerViewer = {
      connections,
      rssBytesPerViewer: Math.round(heap + offHeap),
      heapBytesPerViewer: Math.round(heap),
      rawRssBytesPerViewer: Math.round((all.rss - mid.rss) / connections),
      samples,
    };
    log(`  memory per viewer: heap ${memory.heapBytesPerViewer} B, RSS ${memory.rssBytesPerViewer} B (raw RSS slope ${memory.rawRssBytesPerViewer} B)`);

    const idle = await measureIdle(meter, servers.map((s) => s.pid), options.stepMs);
    const ctx = { fleet, meter, serverPids: servers.map((s) => s.pid), viewersPerMessage: options.viewers, textLength: options.textLength };
    // Warm up (JIT, buffers, connection pools) at the lowest rate; not recorded.
    await runStep(ctx, Math.min(...options.rates), Math.min(2_000, options.stepMs), idle);
    const steps: StepResult[] = [];
    for (const rate of options.rates) {
      const step = await runStep(ctx, rate, options.stepMs, idle);
      steps.push(step);
      log(
        `  ${rate} msg/s: ${step.deliveriesPerSec} deliveries/s of ${step.offeredDeliveriesPerSec} offered, ` +
          `cross p50/p99 ${step.cross.p50}/${step.cross.p99} ms, ${step.delivered}/${step.expected} delivered, ` +
          `${step.redis.bytesPerMessage} Redis B/msg, load CPU ${step.loadCpuUsPerDelivery} us/delivery` +
          (step.disconnects > 0 ? `, ${step.disconnects} viewers disconnected` : ""),
      );
    }
    return { viewers: options.viewers, memory, idle, steps };
  } finally {
    await fleet.close();
  }
}
