/**
 * A load process: many viewers (lean WebSocket viewers, the SDK or socket.io-client) and optionally
 * senders (always real clients), driven by the bench over IPC. It exits when its parent goes away,
 * so a crashed bench leaves no load behind.
 */
import type { ChatBatch, ChatMessage } from "../../src/protocol/index.js";
import { ChatClient as SdkClient, MemoryStorage, type TimelineStats } from "../../src/sdk/index.js";
import { socketIo } from "../../src/sdk/socket-io.js";
import { connectClient, join } from "../../test/support/clients.js";
import { connected } from "../../test/support/chat-viewer.js";
import { DeliveryTally } from "./delivery-tally.js";
import { Histogram } from "./histogram.js";
import { LeanViewers } from "./lean/lean-viewer.js";
import type { ClientSpec, ConnectResult, LoadCommand, LoadReply, ReportResult, SendResult, ViewerKind } from "./load-protocol.js";
import { preciseNow, readStamp, sentAtMicros, stampText } from "./message-stamp.js";
import { ReadPacer } from "./lean/read-pacer.js";

interface Lane {
  /** Sends one message; resolves with the ack's outcome (`ok` or an error code). */
  send(room: string, text: string, clientId: string): Promise<string>;
  room: string;
  replica: number;
  /** Unique in the run: this process and the lane's index. */
  id: string;
  /** Messages this lane sent so far (the stamp's sequence number). */
  seq: number;
}

const tally = new DeliveryTally();
const lean = new LeanViewers(tally);
const pacer = new ReadPacer();
/** Whether a viewer here needs exact receive times (a sample, the SDK, socket.io-client): then no pacing. */
let promptViewers = false;
const sockets: { close(): void }[] = [];
const lanes: Lane[] = [];
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

function onMessage(kind: ViewerKind, replica: number, message: Pick<ChatMessage, "text">): void {
  const stamp = readStamp(message.text);
  if (stamp) tally.record(kind, sentAtMicros(stamp), stamp.replica, replica, preciseNow());
}

function addLane(lane: Omit<Lane, "id" | "seq">): void {
  lanes.push({ ...lane, id: `${process.pid}-${lanes.length}`, seq: 0 });
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
    if (state !== "connected") tally.disconnects++;
  });
  for (const id of spec.rooms) {
    const room = client.room(id);
    if (viewer) {
      room.on("messages", ({ messages, reset }) => {
        if (!reset) for (const m of messages) onMessage("sdk", spec.replica, m);
      });
      room.on("viewers", () => tally.otherEvents++);
      sdkRooms.push(room);
    }
    await room.join();
    if (viewer) tally.addViewer("sdk");
    else {
      addLane({
        room: id,
        replica: spec.replica,
        send: (_room, text) => room.send(text).then(() => "ok", (err: { code?: string }) => err.code ?? "error"),
      });
    }
  }
}

async function open(spec: ClientSpec, viewer: boolean): Promise<void> {
  if (spec.client === "sdk") return openSdk(spec, viewer);
  if (spec.client === "lean" && viewer) return lean.open(spec);
  const socket = await connectClient(spec.url, { localAddress: spec.localAddress, ...(spec.batch ? { auth: { caps: ["batch"] } } : {}) });
  sockets.push(socket);
  if (viewer) {
    socket.on("chat:message", (m) => onMessage("plain", spec.replica, m));
    socket.on("chat:batch", (b: ChatBatch) => {
      for (const e of b.entries) onMessage("plain", spec.replica, e);
    });
  }
  socket.on("room:viewers", () => tally.otherEvents++);
  socket.on("disconnect", () => tally.disconnects++);
  for (const room of spec.rooms) {
    const ack = await join(socket, room);
    if (!ack.ok) throw new Error(`join ${room}: ${ack.error.code}`);
    if (viewer) tally.addViewer("plain");
    else {
      addLane({
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
  pacer.stop();
  if (cmd.senders.length > 0 || cmd.viewers.some((v) => v.client !== "lean" || v.sample)) promptViewers = true;
  const result = await openAll(cmd);
  if (!promptViewers && (cmd.readEveryMs ?? 0) > 0) pacer.start(cmd.readEveryMs!);
  return result;
}

async function openAll(cmd: Extract<LoadCommand, { type: "connect" }>): Promise<ConnectResult> {
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
        const text = stampText({ sentAt, replica: lane.replica, lane: lane.id, seq: ++lane.seq }, cmd.textLength);
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
      // Wake when the next message is due (not on a fixed short poll: at 10 msg/s that was most of
      // the sender's CPU).
      if (sent < total) setTimeout(tick, Math.max(0, startedAt + (sent * 1000) / cmd.ratePerSec - preciseNow()));
    };
    tick();
  });
}

function report(): ReportResult {
  const result: ReportResult = tally.report();
  if (sdkRooms.length > 0) {
    const t = gapTotals();
    result.gaps = {
      refills: t.refills - gapsAtReset.refills,
      suspectedGaps: t.suspectedGaps - gapsAtReset.suspectedGaps,
      realGaps: t.realGaps - gapsAtReset.realGaps,
    };
  }
  return result;
}

async function handle(cmd: LoadCommand): Promise<unknown> {
  switch (cmd.type) {
    case "connect":
      return connectAll(cmd);
    case "reset":
      tally.reset(cmd.from);
      gapsAtReset = gapTotals();
      return {};
    case "send":
      return send(cmd);
    case "report":
      return report();
    case "close":
      pacer.stop();
      lean.closeAll();
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
