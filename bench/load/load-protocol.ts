/** Commands the bench sends to a load process over IPC, and what each answers. */
import type { Histogram } from "./histogram.js";

/** One socket.io-client connection: which replica and which rooms it joins. */
export interface ClientSpec {
  url: string;
  /** Index of the replica `url` points at, to tell cross-replica deliveries from local ones. */
  replica: number;
  rooms: string[];
  /** Source address to connect from. @default the system's choice */
  localAddress?: string;
  /** Connect with the client SDK (src/sdk: protocol v1.1 batches, recovery, reorder grace) instead of plain socket.io-client. @default false */
  sdk?: boolean;
}

export type LoadCommand =
  | { type: "connect"; viewers: ClientSpec[]; senders: ClientSpec[]; concurrency: number }
  /** Latencies of messages sent from `from` on are recorded; earlier ones are ignored. */
  | { type: "reset"; from: number }
  /** Sends `ratePerSec` messages round-robin over this process's sender (socket, room) lanes. */
  | { type: "send"; ratePerSec: number; durationMs: number; textLength: number }
  | { type: "report" }
  | { type: "close" };

export interface ConnectResult {
  viewers: number;
  senders: number;
  failed: number;
  firstError?: string;
}

export interface SendResult {
  sent: number;
  acked: number;
  /** Failed acks by error code (or "timeout"). */
  errors: Record<string, number>;
  startedAt: number;
  endedAt: number;
  ack: ReturnType<Histogram["toJSON"]>;
}

export interface ReportResult {
  deliveries: number;
  /** Deliveries per 100 ms slot of receive time: slot = Math.floor(receivedAt / 100). */
  timeline: Record<number, number>;
  cross: ReturnType<Histogram["toJSON"]>;
  local: ReturnType<Histogram["toJSON"]>;
  /** room:viewers and other events that are not chat:message, for the record. */
  otherEvents: number;
  /** Viewers the server dropped (e.g. missed heartbeats under overload); they receive no more. */
  disconnects: number;
}

export type LoadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export const TIMELINE_SLOT_MS = 100;
