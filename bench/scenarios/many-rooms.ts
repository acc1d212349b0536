/**
 * Many rooms at a low rate each: the everyday shape of a live platform. Measures Redis bytes per
 * message (idle traffic over an equal window removed) and cross-replica latency.
 */
import { fleetOptions, senderSpec, viewerSpec, type LoadClients } from "../load/client-mix.js";
import { LoadFleet } from "../load/load-fleet.js";
import type { RedisTrafficMeter } from "../measure/redis-traffic.js";
import type { ServerProcess } from "../servers/server-process.js";
import { measureIdle, runStep, type IdleRate, type StepResult } from "./load-step.js";

export interface ManyRoomsOptions {
  count: number;
  viewersPerRoom: number;
  ratePerSec: number;
  windowMs: number;
  textLength: number;
  loadProcesses: number;
  /** What the viewers and senders are. */
  clients: LoadClients;
}

export interface ManyRoomsResult {
  rooms: number;
  viewersPerRoom: number;
  idle: IdleRate;
  step: StepResult;
}

export async function runManyRooms(
  servers: ServerProcess[],
  meter: RedisTrafficMeter,
  options: ManyRoomsOptions,
  roomPrefix: string,
  register: (name: string, stop: () => Promise<void>) => void,
  log: (line: string) => void,
): Promise<ManyRoomsResult> {
  const n = servers.length;
  const at = (replica: number, room: string) => ({ url: servers[replica % n]!.url, replica: replica % n, rooms: [room] });
  const rooms = Array.from({ length: options.count }, (_, i) => `${roomPrefix}-${i}`);
  // Each room's viewers sit on every replica; its sender on one of them.
  const viewers = rooms.flatMap((room, i) =>
    Array.from({ length: options.viewersPerRoom }, (_, j) => viewerSpec(options.clients, at(i + j, room), i * options.viewersPerRoom + j, n)),
  );
  const senders = rooms.map((room, i) => senderSpec(options.clients, at(i, room)));
  log(`  connecting ${viewers.length} viewers over ${rooms.length} rooms`);
  const fleet = await LoadFleet.start(viewers, senders, fleetOptions(options.clients, options.loadProcesses), register);
  try {
    const idle = await measureIdle(meter, servers.map((s) => s.pid), options.windowMs, fleet);
    const ctx = { fleet, meter, serverPids: servers.map((s) => s.pid), viewersPerMessage: options.viewersPerRoom, textLength: options.textLength };
    const step = await runStep(ctx, options.ratePerSec, options.windowMs, idle);
    log(
      `  ${options.ratePerSec} msg/s over ${rooms.length} rooms: ${step.redis.bytesPerMessage} Redis B/msg ` +
        `(bus ${step.redis.busBytesPerMessage}), cross p50/p99 ${step.cross.p50}/${step.cross.p99} ms, ` +
        `${step.delivered}/${step.expected} delivered`,
    );
    return { rooms: rooms.length, viewersPerRoom: options.viewersPerRoom, idle, step };
  } finally {
    await fleet.close();
  }
}
