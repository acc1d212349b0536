/** Commands the bench sends to a load process over IPC, and what each answers. */
import type { Histogram } from "./histogram.js";

/**
 * How a load connection is implemented:
 * - `lean`: a raw WebSocket speaking just enough Engine.IO / Socket.IO to join and count
 *   (bench/load/lean/lean-viewer.ts), the bench's default viewer;
 * - `sdk`: the client SDK (src/sdk: batches, recovery, reorder grace), what this server's users run;
 * - `plain`: socket.io-client, as a v1 client (or a batch one with `batch`) written by hand.
 */
export type ViewerKind = "lean" | "sdk" | "plain";

/** One load connection: which replica and which rooms it joins, and what it is. */
export interface ClientSpec {
  url: string;
  /** Index of the replica `url` points at, to tell cross-replica deliveries from local ones. */
  replica: number;
  rooms: string[];
  /** Source address to connect from. @default the system's choice */
  localAddress?: string;
  /** @default "plain" */
  client?: ViewerKind;
  /** Ask for protocol v1.1 batches (`auth.caps: ["batch"]`); the SDK always does. @default false */
  batch?: boolean;
  /** Lean viewers: one of the sample that decodes every packet and checks ids, order and the byte scan. @default false */
  sample?: boolean;
}

export type LoadCommand =
  /**
   * Connects clients; then, with `readEveryMs` > 0 and only counting lean viewers in the process
   * (no sample, no SDK or socket.io-client viewer), reads in batches at most that often (lean/read-pacer.ts).
   */
  | { type: "connect"; viewers: ClientSpec[]; senders: ClientSpec[]; concurrency: number; readEveryMs?: number }
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

/** What the viewers of one kind received since the last reset. */
export interface ClientTotals {
  viewers: number;
  deliveries: number;
  /**
   * Sum of the deliveries' send times (µs) modulo a prime (bench/load/delivery-tally.ts): equal
   * viewer counts that got the same messages have equal checksums, whatever the order.
   */
  checksum: number;
  /** Bytes read from the viewers' sockets (lean viewers only: TCP payload, WebSocket framing included). */
  wireBytes?: number;
}

/** What the sample of lean viewers checked since the last reset, decoding every packet. */
export interface SampleTotals {
  viewers: number;
  /** Stamped entries decoded. */
  checked: number;
  /** Entries missing before one that came (`prev` unseen; a stock lane's sequence skipping). */
  gaps: number;
  /** Entries at or before one already seen (`id` not above the last; a stock lane's sequence going back). */
  duplicates: number;
  /** Packets whose byte scan (what every lean viewer counts) disagreed with the full decode. */
  scanMismatches: number;
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
  /** SDK viewers' gap handling since the last reset, summed over their rooms. @default undefined (plain clients) */
  gaps?: { refills: number; suspectedGaps: number; realGaps: number };
  /** Per viewer kind. */
  clients: Partial<Record<ViewerKind, ClientTotals>>;
  /** Lean sample viewers' checks. @default undefined (no sample viewer in this process) */
  sample?: SampleTotals;
}

export type LoadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export const TIMELINE_SLOT_MS = 100;
