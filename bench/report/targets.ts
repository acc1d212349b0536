/** The issues' targets against one run's results: what was measured, met or missed and by how much. */
import type { ServerKind } from "../servers/server-kinds.js";
import type { BenchResults } from "./bench-results.js";
import { label, ratio, run, saturation, x } from "./lookup.js";
import type { Section } from "./text-table.js";

/** Issue 22's targets: a load generator lighter than the servers, and what phase B aims at. */
export function targets22(results: BenchResults): Section {
  const { masters } = results.options;
  const first = masters[0]!;
  const rows: (string | number)[][] = [];
  const add = (target: string, value: number | undefined, limit: number, show = x) => {
    if (value === undefined || !Number.isFinite(value)) return rows.push([target, "-", "not measured"]);
    rows.push([target, show(value), value <= limit ? "met" : `missed (${(value / limit).toFixed(2)}x off)`]);
  };
  const stepAt = (k: ServerKind, rate: number) => run(results, k, first)?.hot?.steps.find((s) => s.ratePerSec === rate);
  for (const k of results.options.kinds) {
    for (const s of run(results, k, first)?.hot?.steps ?? []) {
      add(`Load CPU per delivery <= 0.25x the servers': ${label(results, k)}, ${s.ratePerSec} msg/s`, ratio(s.loadCpuUsPerDelivery, s.serverCpuUsPerDelivery), 0.25);
    }
  }
  const cpu = (k: ServerKind, rate: number) => stepAt(k, rate)?.serverCpuUsPerDelivery;
  add("Servers' CPU per delivery at 100 msg/s: <= 0.15x stock sharded", ratio(cpu("ours", 100), cpu("sharded", 100)), 0.15);
  add("Servers' CPU per delivery at 10 msg/s: <= 0.5x stock sharded", ratio(cpu("ours", 10), cpu("sharded", 10)), 0.5);
  add("Cross-replica p99 at 100 msg/s: <= 150 ms", stepAt("ours", 100)?.cross.p99, 150, (v) => `${v} ms`);
  add("Cross-replica p99 at 10 msg/s: <= 1.2x stock sharded", ratio(stepAt("ours", 10)?.cross.p99, stepAt("sharded", 10)?.cross.p99), 1.2);
  const rooms = (k: ServerKind) => run(results, k, first)?.manyRooms?.step.serverCpuUsPerDelivery;
  add(`Many rooms, ${first} masters: servers' CPU per delivery <= 1.0x stock sharded`, ratio(rooms("ours"), rooms("sharded")), 1);
  add("Wire bytes per delivery at 100 msg/s: <= 0.5x stock sharded", ratio(stepAt("ours", 100)?.wireBytesPerDelivery, stepAt("sharded", 100)?.wireBytesPerDelivery), 0.5);
  return { title: "Targets (issue 22), ratios from this run", header: ["target", "measured", "result"], rows };
}

/** The targets, each with what was measured and whether it is met. */
export function targets(results: BenchResults): Section {
  const { masters } = results.options;
  const first = masters[0]!;
  const last = masters[masters.length - 1]!;
  const rows: (string | number)[][] = [];
  const add = (target: string, value: number | undefined, limit: number, atMost: boolean, show = x) => {
    if (value === undefined || !Number.isFinite(value)) return rows.push([target, "-", "not measured"]);
    const met = atMost ? value <= limit : value >= limit;
    const by = atMost ? value / limit : limit / value;
    rows.push([target, show(value), met ? "met" : `missed (${by.toFixed(2)}x off)`]);
  };
  const bytes = (k: ServerKind, m: number) => run(results, k, m)?.manyRooms?.step.redis.bytesPerMessage;
  const stepAt = (k: ServerKind, rate: number) => run(results, k, first)?.hot?.steps.find((s) => s.ratePerSec === rate);
  // Issue 12 (hot rooms), on the ladder 10-400 msg/s with the hot room's viewers over the replicas.
  add("Hot room deliveries/s at saturation: >= 5x stock sharded", ratio(saturation(run(results, "ours", first)), saturation(run(results, "sharded", first))), 5, false);
  add(
    "Servers' CPU per delivery at 100 msg/s: <= 0.25x stock sharded",
    ratio(stepAt("ours", 100)?.serverCpuUsPerDelivery, stepAt("sharded", 100)?.serverCpuUsPerDelivery),
    0.25,
    true,
  );
  add("Cross-replica p99 at 100 msg/s: <= 150 ms", stepAt("ours", 100)?.cross.p99, 150, true, (v) => `${v} ms`);
  add("Cross-replica p99 at 10 msg/s: <= 1.2x stock sharded", ratio(stepAt("ours", 10)?.cross.p99, stepAt("sharded", 10)?.cross.p99), 1.2, true);
  add(
    "Redis B/msg, hot room at 200 msg/s: <= 0.05x classic",
    ratio(stepAt("ours", 200)?.redis.bytesPerMessage, stepAt("classic", 200)?.redis.bytesPerMessage),
    0.05,
    true,
  );
  add(`Redis B/msg, many rooms (1 msg/s per room), ${first} masters: <= 0.25x classic`, ratio(bytes("ours", first), bytes("classic", first)), 0.25, true);
  if (masters.length > 1) {
    add(`Redis B/msg, many rooms, does not grow ${first} -> ${last} masters (<= 1.10x)`, ratio(bytes("ours", last), bytes("ours", first)), 1.1, true);
  }
  const mem = (k: ServerKind) => run(results, k, first)?.hot?.memory;
  // Issue 15, from this run's short memory slope (bench:memory measures it more closely).
  add("Heap per idle viewer: <= 0.6x stock", ratio(mem("ours")?.heapBytesPerViewer, mem("classic")?.heapBytesPerViewer), 0.6, true);
  return { title: "Targets (issues 12 and 15), ratios from this run", header: ["target", "measured", "result"], rows };
}
