/**
 * Turns the raw results into the tables the bench prints and the README shows: one per scenario,
 * ratios against the baselines, and the targets with met / missed and by how much.
 */
import type { ServerKind } from "../servers/server-kinds.js";
import type { StepResult } from "../scenarios/load-step.js";
import type { BenchResults, KindRun } from "./bench-results.js";
import { kb, label, lastStep, pct, ratio, run, saturation, x } from "./lookup.js";
import type { Panel } from "./svg-chart.js";
import { targets, targets22 } from "./targets.js";
import type { Section } from "./text-table.js";

export function sections(results: BenchResults): Section[] {
  const { kinds, masters } = results.options;
  const first = masters[0]!;
  const out: Section[] = [];
  const o = results.options;

  for (const m of results.options.skipRooms ? [] : masters) {
    const classic = run(results, "classic", m)?.manyRooms?.step.redis.bytesPerMessage;
    out.push({
      title: `Many rooms: ${o.rooms.count} rooms x ${o.rooms.viewersPerRoom} viewers, ${o.rooms.ratePerSec} msg/s, ${m} masters + ${m * o.replicasPerMaster} replicas, ${o.replicas} server replicas`,
      header: ["server", "Redis B/msg", "vs classic", "bus B/msg", "bus msgs/msg", "client B/msg", "p50 ms", "p99 ms", "ack p50 ms", "ack p99 ms", "delivered", "CPU us/delivery", "load CPU us/delivery", "wire B/delivery"],
      rows: kinds.map((k) => {
        const r = run(results, k, m);
        const s = r?.manyRooms?.step;
        if (!s) return [label(results, k), r?.error ?? "not run", "", "", "", "", "", "", "", "", "", "", "", ""];
        return [
          label(results, k),
          s.redis.bytesPerMessage,
          x(ratio(s.redis.bytesPerMessage, classic)),
          s.redis.busBytesPerMessage,
          s.redis.busMessagesPerMessage,
          s.redis.clientBytesPerMessage + s.redis.replicationBytesPerMessage,
          s.cross.p50,
          s.cross.p99,
          s.ack.p50,
          s.ack.p99,
          pct(s.delivered, s.expected),
          s.serverCpuUsPerDelivery,
          s.loadCpuUsPerDelivery,
          s.wireBytesPerDelivery ?? "-",
        ];
      }),
      note:
        "p50/p99: send to receive, viewers on another replica than the sender's. Ack: send to the sender's ack (after the stream append, and the replica's copy unless ACK_REPLICAS=0). " +
        `Load CPU: the load processes (${(results.options.viewers ?? "sdk") === "lean" ? "lean WebSocket viewers, every one a sample viewer here: decoding everything, reading at once" : viewersNote(results)}; senders). ` +
        "Wire: bytes the servers wrote to the viewers' sockets per delivery, as the lean viewers read them.",
    });
  }

  if (masters.length > 1 && !results.options.skipRooms) {
    const last = masters[masters.length - 1]!;
    out.push({
      title: `Redis bytes per message vs cluster size (many rooms)`,
      header: ["server", ...masters.map((m) => `${m} masters`), `${last} vs ${first}`],
      rows: kinds.map((k) => {
        const v = masters.map((m) => run(results, k, m)?.manyRooms?.step.redis.bytesPerMessage);
        return [label(results, k), ...v.map((b) => b ?? "-"), x(ratio(v[v.length - 1], v[0]))];
      }),
    });
  }

  const hotRuns = kinds.map((k) => run(results, k, first)).filter((r): r is KindRun => !!r?.hot);
  if (hotRuns.length > 0) {
    const rows: (string | number)[][] = [];
    for (let i = 0; i < o.hot.rates.length; i++) {
      for (const r of hotRuns) {
        const s = r.hot!.steps[i];
        if (!s) continue;
        rows.push([
          s.ratePerSec,
          label(results, r.kind),
          s.offeredDeliveriesPerSec,
          s.deliveriesPerSec,
          s.cross.p50,
          s.cross.p95,
          s.cross.p99,
          pct(s.delivered, s.expected),
          s.slowConsumers !== undefined && s.disconnects > 0 ? `${s.disconnects} (${s.slowConsumers} slow)` : s.disconnects,
          s.redis.bytesPerMessage,
          s.serverCpuUsPerDelivery,
          s.loadCpuUsPerDelivery ?? "-",
          s.viewerCpuUsPerDelivery ?? "-",
          x(ratio(s.loadCpuUsPerDelivery, s.serverCpuUsPerDelivery)),
          s.wireBytesPerDelivery ?? "-",
          sampleCheck(s),
        ]);
      }
    }
    out.push({
      title: `Hot room: ${o.hot.viewers} viewers over ${o.replicas} replicas, ${o.hot.senders} senders, ${o.hot.stepMs / 1000} s per rate, ${first} masters`,
      header: ["msg/s", "server", "expected deliv/s", "deliveries/s", "p50 ms", "p95 ms", "p99 ms", "delivered", "disconnected", "Redis B/msg", "CPU us/delivery", "load CPU us/delivery", "of it viewers", "load/server CPU", "wire B/delivery", "sample check"],
      rows,
      note:
        "Expected: messages sent per second times viewers. Latency: send to receive, viewers on the other replica than the sender's (lean viewers: the sample), same machine clock. " +
        "Disconnected: viewers dropped so far (they receive nothing more, so later steps deliver less); slow: of them, closed by this server as slow consumers (its /metrics). " +
        `Load CPU: the load generator's processes (${viewersNote(results)}; senders), idle CPU removed, which share the machine's cores with the servers; of it viewers: the viewers' processes alone. ` +
        "Wire: bytes the servers wrote to the viewers' sockets per delivery (frames, pings and viewer counts included), as the lean viewers read them. " +
        "Sample check: the lean viewers that decode every packet (ids and prev, or each sender's sequence on stock servers; the byte scan): entries checked, or what was wrong." +
        hotRuns
          .filter((r) => r.hot!.failedAt !== undefined)
          .map((r) => ` ${label(results, r.kind)}: the ladder stopped at ${r.hot!.failedAt} msg/s (${r.hot!.failure}).`)
          .join(""),
    });
    const sharded = saturation(run(results, "sharded", first));
    const classic = saturation(run(results, "classic", first));
    const perCore = (r: KindRun | undefined) => {
      const us = lastStep(r)?.serverCpuUsPerDelivery;
      return us && us > 0 ? Math.round(1e6 / us) : undefined;
    };
    const shardedPerCore = perCore(run(results, "sharded", first));
    out.push({
      title: "Hot room saturation: highest deliveries/s over the ladder, and server capacity per core at the top rate",
      header: ["server", "deliveries/s", "vs stock sharded", "vs stock classic", "deliveries/s per server core", "vs stock sharded"],
      rows: hotRuns.map((r) => [
        label(results, r.kind),
        saturation(r) ?? "-",
        x(ratio(saturation(r), sharded)),
        x(ratio(saturation(r), classic)),
        perCore(r) ?? "-",
        x(ratio(perCore(r), shardedPerCore)),
      ]),
      note:
        "Deliveries/s is what the whole machine did, load generator included (it shares the 2 cores). " +
        "Per server core = 1 s / the servers' CPU time per delivery: the servers' own cost, less sensitive to other load.",
    });
    const stock = run(results, "classic", first)?.hot?.memory;
    out.push({
      title: `Memory per idle connected viewer (slope from ${Math.floor(o.hot.viewers / 2)} to ${o.hot.viewers} websocket viewers, after GC)`,
      header: ["server", "heap KB", "RSS KB", "heap vs stock", "RSS vs stock"],
      rows: hotRuns.map((r) => [
        label(results, r.kind),
        kb(r.hot!.memory.heapBytesPerViewer),
        kb(r.hot!.memory.rssBytesPerViewer),
        x(ratio(r.hot!.memory.heapBytesPerViewer, stock?.heapBytesPerViewer)),
        x(ratio(r.hot!.memory.rssBytesPerViewer, stock?.rssBytesPerViewer)),
      ]),
      note: "Stock = Socket.IO with default rooms (the classic-adapter baseline). RSS = heap slope + slope of RSS outside the V8 heap (raw RSS moves by whole heap pages at each GC).",
    });
  }
  out.push(targets(results));
  out.push(targets22(results));
  return out;
}

/** What the viewers were, for the tables' notes. */
function viewersNote(results: BenchResults): string {
  const o = results.options;
  const kind = o.viewers ?? "sdk";
  if (kind === "lean") {
    return `lean WebSocket viewers counting by a byte scan and reading every ${o.leanReadMs ?? 0} ms; 1 in ${o.sampleEvery ?? 50} reads at once, decodes everything and gives the latencies`;
  }
  return kind === "sdk" ? "SDK viewers where there are batches, socket.io-client elsewhere" : "socket.io-client viewers";
}

/** The sample viewers' verdict on a step: entries checked, or the problems found. */
function sampleCheck(s: StepResult): string {
  const c = s.sample;
  if (!c) return "-";
  const problems = [
    c.gaps > 0 ? `${c.gaps} gaps` : "",
    c.duplicates > 0 ? `${c.duplicates} late or repeated` : "",
    c.scanMismatches > 0 ? `${c.scanMismatches} scan mismatches` : "",
  ].filter(Boolean);
  return problems.length > 0 ? problems.join(", ") : `ok (${c.checked})`;
}

/** The chart's panels: Redis bytes, hot-room throughput and p99, memory per viewer. */
export function panels(results: BenchResults): Panel[] {
  const { kinds, masters } = results.options;
  const first = masters[0]!;
  const name = (k: ServerKind) => label(results, k);
  const steps = (k: ServerKind) => run(results, k, first)?.hot?.steps ?? [];
  const rates = results.options.hot.rates.map((r) => `${r} msg/s`);
  return [
    {
      title: "Redis bytes per chat message (many rooms)",
      unit: "bytes over all nodes",
      groups: masters.map((m) => `${m} masters`),
      series: kinds.map((k) => ({ name: name(k), values: masters.map((m) => run(results, k, m)?.manyRooms?.step.redis.bytesPerMessage ?? null) })),
    },
    {
      title: `Hot room deliveries/s (${results.options.hot.viewers} viewers)`,
      unit: "deliveries per second",
      groups: rates,
      series: kinds.map((k) => ({ name: name(k), values: rates.map((_, i) => steps(k)[i]?.deliveriesPerSec ?? null) })),
    },
    {
      title: "Hot room cross-replica p99 latency",
      unit: "ms",
      groups: rates,
      series: kinds.map((k) => ({ name: name(k), values: rates.map((_, i) => steps(k)[i]?.cross.p99 ?? null) })),
    },
    {
      title: "Memory per idle connected viewer",
      unit: "KB",
      groups: ["heap", "RSS (noisy here, not claimed)"],
      series: kinds.map((k) => {
        const m = run(results, k, first)?.hot?.memory;
        return { name: name(k), values: m ? [m.heapBytesPerViewer / 1024, m.rssBytesPerViewer / 1024] : [null, null] };
      }),
    },
  ];
}
