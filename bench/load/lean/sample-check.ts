/**
 * What a sample lean viewer does on top of counting: decodes every event packet in full and checks
 * - the byte scan every lean viewer relies on (bench/load/lean/delivery-scan.ts) against the decode: the
 *   same number of stamped entries, with the same send times and replicas, in the same order;
 * - order: on this server, every entry's `prev` is the entry before it and ids only grow (a gap is
 *   a `prev` this viewer never saw, a duplicate an id not above the last); on a stock server, which
 *   has no `prev`, each sender lane's own sequence number in the stamp goes up by exactly one.
 */
import type { BatchEntry, ChatBatch, ChatMessage, JoinResult } from "../../../src/protocol/index.js";
import type { DeliveryTally } from "../delivery-tally.js";
import { scanStamps, type StampVisitor } from "./delivery-scan.js";
import { readStamp, sentAtMicros } from "../message-stamp.js";

type Entry = Pick<BatchEntry, "id" | "text"> & { prev?: string | null };

export class SampleCheck implements StampVisitor {
  /** The newest id seen per room (this server's entries); null: the room was empty at the join. */
  private readonly last = new Map<string, string | null>();
  /** The last sequence number seen per sender lane (stock servers' order). */
  private readonly lanes = new Map<string, number>();
  /** Stamps the byte scan found in the current packet: send time, replica, send time, ... */
  private scanned: number[] = [];

  constructor(private readonly tally: DeliveryTally) {}

  stamp(sentAtUs: number, replica: number): void {
    this.scanned.push(sentAtUs, replica);
  }

  /** The join ack's history is what the viewer already has: its newest message starts the chain. */
  joined(room: string, ack: Partial<JoinResult>): void {
    this.last.set(room, ack.messages?.at(-1)?.id ?? null);
  }

  /** One Socket.IO EVENT packet (`42[...]`) in `buf[start, end)`. */
  packet(buf: Buffer, start: number, end: number): void {
    this.scanned = [];
    scanStamps(buf, start, end, this);
    let decoded: [string, unknown];
    try {
      decoded = JSON.parse(buf.toString("utf8", start + 2, end)) as [string, unknown];
    } catch {
      // A packet the scan read but JSON does not: the scan's count for it cannot be trusted.
      this.tally.sample.scanMismatches++;
      return;
    }
    const [event, payload] = decoded;
    const batch = event === "chat:batch" ? (payload as ChatBatch) : undefined;
    const message = event === "chat:message" ? (payload as ChatMessage) : undefined;
    const room = batch?.room ?? message?.room ?? "";
    const entries: Entry[] = batch ? batch.entries : message ? [message] : [];
    const sample = this.tally.sample;
    let k = 0;
    let mismatch = false;
    for (const entry of entries) {
      const stamp = readStamp(entry.text);
      if (!stamp) continue;
      sample.checked++;
      if (this.scanned[k] !== sentAtMicros(stamp) || this.scanned[k + 1] !== stamp.replica) mismatch = true;
      k += 2;
      if (entry.prev !== undefined) this.follow(room, entry);
      else if (stamp.lane !== undefined && stamp.seq !== undefined) this.sequence(stamp.lane, stamp.seq);
    }
    if (mismatch || k !== this.scanned.length) sample.scanMismatches++;
  }

  private follow(room: string, entry: Entry): void {
    const sample = this.tally.sample;
    const last = this.last.get(room);
    if (last != null && entry.id <= last) {
      sample.duplicates++;
      return;
    }
    // undefined: a room whose join this viewer did not see (not in the bench) starts where it is.
    if (last !== undefined && entry.prev !== last) sample.gaps++;
    this.last.set(room, entry.id);
  }

  private sequence(lane: string, seq: number): void {
    const sample = this.tally.sample;
    const last = this.lanes.get(lane);
    if (last !== undefined && seq <= last) {
      sample.duplicates++;
      return;
    }
    // A lane first seen mid-way (the viewer joined after it began) starts where it is.
    if (last !== undefined && seq > last + 1) sample.gaps += seq - last - 1;
    this.lanes.set(lane, seq);
  }
}
