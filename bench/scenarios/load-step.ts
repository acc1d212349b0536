/**
 * One measured step: send at a fixed rate for a while, wait for the deliveries to drain, and turn
 * what the viewers, the servers' /proc and the Redis nodes saw into per-message numbers.
 */
import { Histogram } from "../load/histogram.js";
import type { LoadFleet } from "../load/load-fleet.js";
import { TIMELINE_SLOT_MS, type ClientTotals, type SampleTotals, type ViewerKind } from "../load/load-protocol.js";
import { preciseNow } from "../load/message-stamp.js";
import { totalCpuMs } from "../measure/proc-stats.js";
import { trafficBetween, type RedisTrafficMeter, type Traffic } from "../measure/redis-traffic.js";

export interface StepContext {
  fleet: LoadFleet;
  meter: RedisTrafficMeter;
  /** Every server replica of the kind under test. */
  serverPids: number[];
  /** Viewers that should get each message (the senders are not counted). */
  viewersPerMessage: number;
  textLength: number;
}

/** Redis traffic per second with clients connected and no messages: gossip, heartbeats, presence. */
export interface IdleRate {
  ms: number;
  bytesPerSec: number;
  busMessagesPerSec: number;
  redisCpuMsPerSec: number;
  /** CPU of the servers under test while idle (timers, heartbeats), ms per second. */
  serverCpuMsPerSec: number;
  /** CPU of the load processes while idle (pings, timers, GC), ms per second. @default 0 */
  loadCpuMsPerSec?: number;
  /** The same for the viewers' load processes alone. @default 0 */
  viewerCpuMsPerSec?: number;
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

export interface StepResult {
  ratePerSec: number;
  durationMs: number;
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  expected: number;
  delivered: number;
  /** Offered deliveries per second: messages sent per second times viewers per message. */
  offeredDeliveriesPerSec: number;
  /** Deliveries received per second while sending (after a warm-up second). */
  deliveriesPerSec: number;
  /** Send-to-receive latency, ms, for viewers on another replica than the sender's. */
  cross: Latency;
  all: Latency;
  ack: Latency;
  redis: {
    /** Bytes over all nodes (clients + replication + bus) per acked message, idle traffic removed. */
    bytesPerMessage: number;
    clientBytesPerMessage: number;
    replicationBytesPerMessage: number;
    busBytesPerMessage: number;
    busMessagesPerMessage: number;
    cpuUsPerMessage: number;
  };
  /** Server CPU (all replicas, idle CPU removed) per delivery, microseconds. */
  serverCpuUsPerDelivery: number;
  /** CPU of the load processes (viewers and senders; idle CPU removed, as for the servers) per delivery, microseconds. */
  loadCpuUsPerDelivery: number;
  /** CPU of the viewers' load processes alone (idle removed) per delivery, microseconds. */
  viewerCpuUsPerDelivery?: number;
  /**
   * Bytes the servers wrote to the viewers' sockets per delivery (WebSocket frames and everything
   * in them: packets, pings, viewer counts), as the lean viewers read them. @default undefined (no lean viewers)
   */
  wireBytesPerDelivery?: number;
  /** Deliveries and stamp checksums per viewer kind. */
  clients?: Partial<Record<ViewerKind, ClientTotals>>;
  /** What the lean sample viewers checked during the step. */
  sample?: SampleTotals;
  /** Viewers disconnected so far (they stop receiving, so `delivered` falls short). */
  disconnects: number;
  /** Of those, closed by this server as slow consumers so far (its /metrics; baselines: undefined). */
  slowConsumers?: number;
  /** SDK viewers: refills (re-joins for a real gap) during the step, summed over rooms. */
  refills?: number;
  /** SDK viewers: live entries whose `prev` was unseen on arrival (suspected gaps) during the step. */
  suspectedGaps?: number;
}

export function latency(h: Histogram): Latency {
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(h.quantile(0.5)), p95: r(h.quantile(0.95)), p99: r(h.quantile(0.99)), max: r(h.max), samples: h.count };
}

/** CPU milliseconds over deliveries, as microseconds per delivery (2 decimals). */
function perDelivery(cpuMs: number, deliveries: number): number {
  return Math.round(((cpuMs * 1000) / Math.max(1, deliveries)) * 100) / 100;
}

export async function measureIdle(meter: RedisTrafficMeter, serverPids: number[], ms: number, fleet?: LoadFleet): Promise<IdleRate> {
  const cpu = () => Promise.all([totalCpuMs(serverPids), totalCpuMs(fleet?.pids ?? []), totalCpuMs(fleet?.viewerPids ?? [])]);
  const [a, [cpu0, load0, viewers0]] = await Promise.all([meter.snapshot(), cpu()]);
  await new Promise((r) => setTimeout(r, ms));
  const [b, [cpu1, load1, viewers1]] = await Promise.all([meter.snapshot(), cpu()]);
  const t = trafficBetween(a, b);
  return {
    serverCpuMsPerSec: ((cpu1 - cpu0) * 1000) / t.ms,
    loadCpuMsPerSec: ((load1 - load0) * 1000) / t.ms,
    viewerCpuMsPerSec: ((viewers1 - viewers0) * 1000) / t.ms,
    ms: t.ms,
    bytesPerSec: (t.total * 1000) / t.ms,
    busMessagesPerSec: (t.busMessages * 1000) / t.ms,
    redisCpuMsPerSec: (t.redisCpuMs * 1000) / t.ms,
  };
}

function perMessage(traffic: Traffic & { ms: number }, idle: IdleRate, messages: number) {
  const sec = traffic.ms / 1000;
  const n = Math.max(1, messages);
  // Idle bytes are split over the components in proportion; only the total is compared.
  const idleBytes = idle.bytesPerSec * sec;
  const share = traffic.total > 0 ? Math.max(0, 1 - idleBytes / traffic.total) : 0;
  return {
    bytesPerMessage: Math.round((traffic.total - idleBytes) / n),
    clientBytesPerMessage: Math.round(((traffic.clientIn + traffic.clientOut) * share) / n),
    replicationBytesPerMessage: Math.round((traffic.replication * share) / n),
    busBytesPerMessage: Math.round((traffic.bus * share) / n),
    busMessagesPerMessage: Math.round(((traffic.busMessages - idle.busMessagesPerSec * sec) / n) * 100) / 100,
    cpuUsPerMessage: Math.round(((traffic.redisCpuMs - idle.redisCpuMsPerSec * sec) * 1000) / n),
  };
}

export async function runStep(
  ctx: StepContext,
  ratePerSec: number,
  durationMs: number,
  idle: IdleRate,
  warmupMs = 1_000,
): Promise<StepResult> {
  const start = preciseNow();
  await ctx.fleet.reset(start);
  const [traffic0, cpu0, load0, viewers0] = await Promise.all([
    ctx.meter.snapshot(),
    totalCpuMs(ctx.serverPids),
    totalCpuMs(ctx.fleet.pids),
    totalCpuMs(ctx.fleet.viewerPids),
  ]);
  const send = await ctx.fleet.send(ratePerSec, durationMs, ctx.textLength);
  const expected = send.acked * ctx.viewersPerMessage;
  const report = await ctx.fleet.drain(expected);
  const [traffic1, cpu1, load1, viewers1] = await Promise.all([
    ctx.meter.snapshot(),
    totalCpuMs(ctx.serverPids),
    totalCpuMs(ctx.fleet.pids),
    totalCpuMs(ctx.fleet.viewerPids),
  ]);
  const sec = (traffic1.at - traffic0.at) / 1000;
  const busyMs = cpu1 - cpu0 - idle.serverCpuMsPerSec * sec;

  const from = Math.floor((send.startedAt + warmupMs) / TIMELINE_SLOT_MS);
  const to = Math.floor(send.endedAt / TIMELINE_SLOT_MS);
  let inWindow = 0;
  for (const [slot, n] of report.timeline) if (slot >= from && slot < to) inWindow += n;
  const windowSec = Math.max(0.1, ((to - from) * TIMELINE_SLOT_MS) / 1000);
  const lean = report.clients.lean;

  return {
    ratePerSec,
    durationMs,
    sent: send.sent,
    acked: send.acked,
    ackErrors: send.errors,
    expected,
    delivered: report.deliveries,
    offeredDeliveriesPerSec: Math.round((send.sent * ctx.viewersPerMessage * 1000) / durationMs),
    deliveriesPerSec: Math.round(inWindow / windowSec),
    cross: latency(report.cross),
    all: latency(report.all),
    ack: latency(send.ack),
    redis: perMessage(trafficBetween(traffic0, traffic1), idle, send.acked),
    serverCpuUsPerDelivery: Math.round(((busyMs * 1000) / Math.max(1, report.deliveries)) * 100) / 100,
    loadCpuUsPerDelivery: perDelivery(load1 - load0 - (idle.loadCpuMsPerSec ?? 0) * sec, report.deliveries),
    viewerCpuUsPerDelivery: perDelivery(viewers1 - viewers0 - (idle.viewerCpuMsPerSec ?? 0) * sec, report.deliveries),
    ...(lean?.wireBytes !== undefined && lean.deliveries > 0 ? { wireBytesPerDelivery: Math.round((lean.wireBytes / lean.deliveries) * 10) / 10 } : {}),
    clients: report.clients,
    ...(report.sample ? { sample: report.sample } : {}),
    disconnects: report.disconnects,
    ...(report.gaps ? { refills: report.gaps.refills, suspectedGaps: report.gaps.suspectedGaps } : {}),
  };
}
