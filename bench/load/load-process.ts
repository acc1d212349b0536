/**
 * A load process: many socket.io-client viewers (and optionally senders) driven by the bench over
 * IPC. It exits when its parent goes away, so a crashed bench leaves no load behind.
 */
import type { ChatMessage } from "../../src/protocol/index.js";
import { ChatClient as SdkClient, MemoryStorage, type TimelineStats } from "../../src/sdk/index.js";
import { socketIo } from "../../src/sdk/socket-io.js";
import { connectClient, join, type ChatClient } from "../../test/support/clients.js";
import { connected } from "../../test/support/chat-viewer.js";
import { Histogram } from "./histogram.js";
import {
  TIMELINE_SLOT_MS,
  type ClientSpec,
  type ConnectResult,
  type LoadCommand,
  type LoadReply,
  type ReportResult,
  type SendResult,
} from "./load-protocol.js";
import { preciseNow, readStamp, stampText } from "./message-stamp.js";

interface Lane {
  /** Sends one message; resolves with the ack's outcome (`ok` or an error code). */
  send(room: string, text: string, clientId: string): Promise<string>;
  room: string;
  replica: number;
}

const sockets: { close(): void }[] = [];
const lanes: Lane[] = [];
let recordFrom = Number.POSITIVE_INFINITY;
let cross = new Histogram();
let local = new Histogram();
let deliveries = 0;
let otherEvents = 0;
let disconnects = 0;
let timeline = new Map<number, number>();
let clientSeq = 0;
/** SDK viewers' rooms, for their gap-handling counters; and the counters at the last reset. */
const sdkRooms: { stats: Readonly<TimelineStats> }[] = [];
let gapsAtReset = { refills: 0, suspectedGaps: 0, realGaps: 0 };

function gapTotals(): { refills: number; suspectedGaps: number; realGaps: number } {
  const t = { refills: 0, suspectedGaps: 0, realGaps: 0 };
  for (const r of sdkRooms) {
    t.refills += r.stats.refills;
    t.suspectedGaps += r.stats.suspectedGaps;
    t.realGaps += r.stats.realGaps;
  }
  return t;
}

function onMessage(replica: number, message: ChatMessage): void {
  const now = preciseNow();
  const stamp = readStamp(message.text);
  if (!stamp || stamp.sentAt < recordFrom) return;
  deliveries++;
  const slot = Math.floor(now / TIMELINE_SLOT_MS);
  timeline.set(slot, (timeline.get(slot) ?? 0) + 1);
  (stamp.replica === replica ? local : cross).record(now - stamp.sentAt);
}

/**
 * A client as this server's users run it: the SDK (protocol v1.1 batches, recovery, reorder grace,
 * de-duplication, exactly-once send retries). Its work per message is what the bench measures.
 */
async function openSdk(spec: ClientSpec, viewer: boolean): Promise<void> {
  const client = new SdkClient({
    url: spec.url,
    storage: new MemoryStorage(),
    socket: socketIo({ reconnection: false, localAddress: spec.localAddress }),
    // Keep only a small window of messages per room: the load process holds thousands of clients.
    rooms: { snapshotSize: 20 },
  });
  sockets.push(client);
  await connected(client, 20_000);
  client.on("state", ({ state }) => {
    if (state !== "connected") disconnects++;
  });
  for (const id of spec.rooms) {
    const room = client.room(id);
    if (viewer) {
      room.on("messages", ({ messages, reset }) => {
        if (!reset) for (const m of messages) onMessage(spec.replica, m);
      });
      room.on("viewers", () => otherEvents++);
      sdkRooms.push(room);
    }
    await room.join();
    if (!viewer) {
      lanes.push({
        room: id,
        replica: spec.replica,
        send: (_room, text) => room.send(text).then(() => "ok", (err: { code?: string }) => err.code ?? "error"),
      });
    }
  }
}

async function open(spec: ClientSpec, viewer: boolean): Promise<void> {
  if (spec.sdk) return openSdk(spec, viewer);
  const socket = await connectClient(spec.url, { localAddress: spec.localAddress });
  sockets.push(socket);
  if (viewer) socket.on("chat:message", (m) => onMessage(spec.replica, m));
  socket.on("room:viewers", () => otherEvents++);
  socket.on("disconnect", () => disconnects++);
  for (const room of spec.rooms) {
    const ack = await join(socket, room);
    if (!ack.ok) throw new Error(`join ${room}: ${ack.error.code}`);
    if (!viewer) {
      lanes.push({
        room,
        replica: spec.replica,
        send: (r, text, clientId) =>
          new Promise((resolve) => {
            socket.timeout(10_000).emit("chat:send", { room: r, text, kind: "chat", clientId }, (err: Error | null, res?: { ok: boolean; error?: { code: string } }) =>
              resolve(err ? "timeout" : res?.ok ? "ok" : (res?.error?.code ?? "bad_ack")),
            );
          }),
      });
    }
  }
}

async function connectAll(cmd: Extract<LoadCommand, { type: "connect" }>): Promise<ConnectResult> {
  const jobs = [...cmd.senders.map((s) => () => open(s, false)), ...cmd.viewers.map((v) => () => open(v, true))];
  const result: ConnectResult = { viewers: 0, senders: 0, failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      try {
        await jobs[i]!();
        if (i < cmd.senders.length) result.senders++;
        else result.viewers++;
      } catch (err) {
        result.failed++;
        result.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, worker));
  return result;
}

/** Fixed-rate open-loop sending: message k is due at start + k / rate, whatever the acks do. */
function send(cmd: Extract<LoadCommand, { type: "send" }>): Promise<SendResult> {
  const ack = new Histogram();
  const errors: Record<string, number> = {};
  let sent = 0;
  let acked = 0;
  let settled = 0;
  const startedAt = preciseNow();
  const total = Math.floor((cmd.ratePerSec * cmd.durationMs) / 1000);
  return new Promise((resolve) => {
    const finish = () =>
      resolve({ sent, acked, errors, startedAt, endedAt: preciseNow(), ack: ack.toJSON() });
    if (lanes.length === 0 || total === 0) return finish();
    const tick = () => {
      const now = preciseNow();
      while (sent < total && startedAt + (sent * 1000) / cmd.ratePerSec <= now) {
        const lane = lanes[sent % lanes.length]!;
        const sentAt = preciseNow();
        const text = stampText({ sentAt, replica: lane.replica }, cmd.textLength);
        sent++;
        void lane.send(lane.room, text, `b${process.pid}-${++clientSeq}`).then((outcome) => {
          settled++;
          if (outcome === "ok") {
            acked++;
            ack.record(preciseNow() - sentAt);
          } else {
            errors[outcome] = (errors[outcome] ?? 0) + 1;
          }
          if (sent === total && settled === total) finish();
        });
      }
      if (sent < total) setTimeout(tick, 2);
    };
    tick();
  });
}

function report(): ReportResult {
  return {
    deliveries,
    timeline: Object.fromEntries(timeline),
    cross: cross.toJSON(),
    local: local.toJSON(),
    otherEvents,
    disconnects,
    ...(sdkRooms.length > 0
      ? (() => {
          const t = gapTotals();
          return {
            gaps: {
              refills: t.refills - gapsAtReset.refills,
              suspectedGaps: t.suspectedGaps - gapsAtReset.suspectedGaps,
              realGaps: t.realGaps - gapsAtReset.realGaps,
            },
          };
        })()
      : {}),
  };
}

async function handle(cmd: LoadCommand): Promise<unknown> {
  switch (cmd.type) {
    case "connect":
      return connectAll(cmd);
    case "reset":
      recordFrom = cmd.from;
      cross = new Histogram();
      local = new Histogram();
      deliveries = 0;
      otherEvents = 0;
      timeline = new Map();
      gapsAtReset = gapTotals();
      return {};
    case "send":
      return send(cmd);
    case "report":
      return report();
    case "close":
      for (const s of sockets) s.close();
      setTimeout(() => process.exit(0), 50);
      return {};
  }
}

process.on("message", (raw: { id: number; cmd: LoadCommand }) => {
  handle(raw.cmd).then(
    (result) => process.send?.({ id: raw.id, ok: true, result } satisfies LoadReply),
    (err: unknown) => process.send?.({ id: raw.id, ok: false, error: String(err) } satisfies LoadReply),
  );
});
// The bench owns this process: when it goes away (even killed), so does the load.
process.on("disconnect", () => process.exit(0));
// An exit rather than death by signal, so a `--cpu-prof` profile (BENCH_LOAD_PROF_DIR) gets written.
process.on("SIGTERM", () => process.exit(0));
