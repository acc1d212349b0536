/**
 * The hot room: thousands of viewers of one stream over every replica. Measures memory per idle
 * viewer (before any message), then a ladder of message rates up to and past saturation.
 */
import { fleetOptions, senderSpec, viewerSpec, type LoadClients } from "../load/client-mix.js";
import { LoadFleet } from "../load/load-fleet.js";
import { perViewer, sampleMemory, type MemoryPerViewer as Slope, type MemorySample } from "../measure/memory-sample.js";
import type { RedisTrafficMeter } from "../measure/redis-traffic.js";
import { slowConsumers } from "../measure/server-metrics.js";
import type { ServerProcess } from "../servers/server-process.js";
import { measureIdle, runStep, type IdleRate, type StepResult } from "./load-step.js";

export interface HotRoomOptions {
  viewers: number;
  senders: number;
  rates: number[];
  stepMs: number;
  textLength: number;
  loadProcesses: number;
  /** What the viewers and senders are. */
  clients: LoadClients;
  /** Connect viewers from 127.0.0.2-9 in turn, so a big room does not run out of ephemeral ports. @default false */
  spreadAddresses?: boolean;
}

export interface MemoryPerViewer extends Slope {
  /** Before any client, with half the viewers, with all of them; summed over the replicas. */
  samples: ({ connections: number } & MemorySample)[];
}

export interface HotRoomResult {
  viewers: number;
  memory: MemoryPerViewer;
  idle: IdleRate;
  steps: StepResult[];
  /** The rate at which the ladder stopped because a step failed (a server died), if one did. */
  failedAt?: number;
  /** Why that step failed. */
  failure?: string;
}

export async function runHotRoom(
  servers: ServerProcess[],
  meter: RedisTrafficMeter,
  options: HotRoomOptions,
  room: string,
  register: (name: string, stop: () => Promise<void>) => void,
  log: (line: string) => void,
): Promise<HotRoomResult> {
  const at = (i: number) => ({
    url: servers[i % servers.length]!.url,
    replica: i % servers.length,
    rooms: [room],
    ...(options.spreadAddresses ? { localAddress: `127.0.0.${2 + (i % 8)}` } : {}),
  });
  const viewers = Array.from({ length: options.viewers }, (_, i) => viewerSpec(options.clients, at(i), i, servers.length));
  const senders = Array.from({ length: options.senders }, (_, i) => senderSpec(options.clients, at(i)));

  const half = Math.floor(options.viewers / 2);
  const samples = [{ connections: 0, ...(await sampleMemory(servers)) }];
  log(`  connecting ${options.viewers} viewers to ${room}`);
  const fleet = await LoadFleet.start(viewers.slice(0, half), senders, fleetOptions(options.clients, options.loadProcesses), register);
  try {
    // Let the join-time work (viewer-count announcements, timers) settle before sampling.
    await new Promise((r) => setTimeout(r, 1_500));
    samples.push({ connections: half + options.senders, ...(await sampleMemory(servers)) });
    await fleet.addViewers(viewers.slice(half));
    await new Promise((r) => setTimeout(r, 1_500));
    samples.push({ connections: options.viewers + options.senders, ...(await sampleMemory(servers)) });
    const [, mid, all] = samples as [unknown, (typeof samples)[0], (typeof samples)[0]];
    const memory: MemoryPerViewer = { ...perViewer(mid, all, all.connections - mid.connections), samples };
    log(`  memory per viewer: heap ${memory.heapBytesPerViewer} B, RSS ${memory.rssBytesPerViewer} B (raw RSS slope ${memory.rawRssBytesPerViewer} B)`);

    const idle = await measureIdle(meter, servers.map((s) => s.pid), options.stepMs, fleet);
    const ctx = { fleet, meter, serverPids: servers.map((s) => s.pid), viewersPerMessage: options.viewers, textLength: options.textLength };
    // Warm up (JIT, buffers, connection pools) at the lowest rate; not recorded.
    await runStep(ctx, Math.min(...options.rates), Math.min(2_000, options.stepMs), idle);
    const steps: StepResult[] = [];
    for (const rate of options.rates) {
      let step: StepResult;
      try {
        step = await runStep(ctx, rate, options.stepMs, idle);
      } catch (err) {
        // A server that dies under a rate (a baseline running out of memory) ends the ladder; the
        // steps it finished still count.
        const dead = servers.find((s) => s.exitReason !== undefined);
        const failure = dead ? `a replica ${dead.exitReason}` : err instanceof Error ? err.message.split("\n")[0]! : String(err);
        log(`  ${rate} msg/s failed, ladder stopped: ${failure}`);
        return { viewers: options.viewers, memory, idle, steps, failedAt: rate, failure };
      }
      const slow = await slowConsumers(servers);
      if (slow !== undefined) step.slowConsumers = slow;
      steps.push(step);
      log(
        `  ${rate} msg/s: ${step.deliveriesPerSec} deliveries/s of ${step.offeredDeliveriesPerSec} offered, ` +
          `cross p50/p99 ${step.cross.p50}/${step.cross.p99} ms, ${step.delivered}/${step.expected} delivered, ` +
          `${step.redis.bytesPerMessage} Redis B/msg, load CPU ${step.loadCpuUsPerDelivery} us/delivery` +
          (step.disconnects > 0 ? `, ${step.disconnects} viewers disconnected (${step.slowConsumers ?? "?"} as slow consumers)` : "") +
          (step.refills ? `, ${step.refills} SDK refills` : ""),
      );
    }
    return { viewers: options.viewers, memory, idle, steps };
  } finally {
    await fleet.close();
  }
}
