/**
 * A load process: many socket.io-client viewers (and optionally senders) driven by the bench over
 * IPC. It exits when its parent goes away, so a crashed bench leaves no load behind.
 */
import type { ChatMessage } from "../../src/protocol/index.js";
import { connectClient, join, type ChatClient } from "../../test/support/clients.js";
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
  socket: ChatClient;
  room: string;
  replica: number;
}

const sockets: ChatClient[] = [];
const lanes: Lane[] = [];
let recordFrom = Number.POSITIVE_INFINITY;
let cross = new Histogram();
let local = new Histogram();
let deliveries = 0;
let otherEvents = 0;
let disconnects = 0;
let timeline = new Map<number, number>();
let clientSeq = 0;

function onMessage(replica: number, message: ChatMessage): void {
  const now = preciseNow();
  const stamp = readStamp(message.text);
  if (!stamp || stamp.sentAt < recordFrom) return;
  deliveries++;
  const slot = Math.floor(now / TIMELINE_SLOT_MS);
  timeline.set(slot, (timeline.get(slot) ?? 0) + 1);
  (stamp.replica === replica ? local : cross).record(now - stamp.sentAt);
}

async function open(spec: ClientSpec, viewer: boolean): Promise<ChatClient> {
  const socket = await connectClient(spec.url, { localAddress: spec.localAddress });
  sockets.push(socket);
  if (viewer) socket.on("chat:message", (m) => onMessage(spec.replica, m));
  socket.on("room:viewers", () => otherEvents++);
  socket.on("disconnect", () => disconnects++);
  for (const room of spec.rooms) {
    const ack = await join(socket, room);
    if (!ack.ok) throw new Error(`join ${room}: ${ack.error.code}`);
    if (!viewer) lanes.push({ socket, room, replica: spec.replica });
  }
  return socket;
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
        const payload = {
          room: lane.room,
          text: stampText({ sentAt, replica: lane.replica }, cmd.textLength),
          kind: "chat" as const,
          clientId: `b${process.pid}-${++clientSeq}`,
        };
        sent++;
        lane.socket.timeout(10_000).emit("chat:send", payload, (err: Error | null, res?: { ok: boolean; error?: { code: string } }) => {
          settled++;
          if (err) errors.timeout = (errors.timeout ?? 0) + 1;
          else if (res?.ok) {
            acked++;
            ack.record(preciseNow() - sentAt);
          } else {
            const code = res?.error?.code ?? "bad_ack";
            errors[code] = (errors[code] ?? 0) + 1;
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
