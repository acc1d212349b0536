/**
 * Delivers a room's published entries to this replica's members of the room: encoded once per
 * room and publish, written to every member's connection.
 *
 * - Protocol v1 clients get one `chat:message` / `notice` per entry (each encoded once for the
 *   whole room); clients that asked for batches (`auth.caps: ["batch"]`) get one `chat:batch` with
 *   every entry of the publish (encoded once, plus one variant per local sender).
 * - A sender never receives its own entries, on any replica (each entry names its sender socket).
 * - Entries arrive in history order from the store; one already delivered here (a republish
 *   after a Redis failover) is not delivered again.
 *
 * A broadcast cannot give different members different packets, so this writes pre-encoded
 * packets to each connection (src/engine/pre-encoded.ts), as Socket.IO's own broadcast does.
 */
import type { Namespace } from "socket.io";
import { encodeEvent, writeEncoded, type EncodedPacket } from "../engine/pre-encoded.js";
import type { ChatBatch } from "../protocol/index.js";
import type { PublishedEntry } from "../store/message-store.js";
import { V1_EVENTS, toBatchEntry } from "./wire-entries.js";

interface MemberSocket {
  data: { batch?: boolean };
  client: unknown;
}

export interface LocalDeliveryDeps {
  nsp: Pick<Namespace, "name" | "sockets" | "adapter">;
  /** Counts packets written to members, by kind (`message` per v1 entry, `batch`). @default none */
  onWrite?: (kind: "message" | "batch", count: number) => void;
}

export class LocalDelivery {
  /** Newest entry id delivered per room with local members; dropped when the room empties here. */
  private readonly lastDelivered = new Map<string, string>();

  constructor(private readonly deps: LocalDeliveryDeps) {}

  deliver(room: string, entries: PublishedEntry[]): void {
    const last = this.lastDelivered.get(room);
    const fresh = last === undefined ? entries : entries.filter((e) => e.id > last);
    const { nsp } = this.deps;
    const members = nsp.adapter.rooms.get(room);
    if (fresh.length === 0 || !members || members.size === 0) return;
    this.lastDelivered.set(room, fresh.at(-1)!.id);

    const senders = new Set(fresh.map((e) => e.sender).filter((s) => s !== ""));
    const v1Packets: (EncodedPacket | undefined)[] = [];
    const batchPackets = new Map<string, EncodedPacket | null>();
    /** Entry `i` as its v1 event, encoded at first use. */
    const v1 = (i: number): EncodedPacket => {
      let packet = v1Packets[i];
      if (packet === undefined) {
        const [event, payload] = V1_EVENTS[fresh[i]!.kind](fresh[i]!);
        packet = v1Packets[i] = encodeEvent(nsp, event, payload);
      }
      return packet;
    };
    /** The batch for `sid`: every entry but its own; one shared packet for non-senders. */
    const batchFor = (sid: string): EncodedPacket | null => {
      const key = senders.has(sid) ? sid : "";
      let packet = batchPackets.get(key);
      if (packet === undefined) {
        const theirs = key === "" ? fresh : fresh.filter((e) => e.sender !== key);
        packet = theirs.length === 0 ? null : encodeEvent(nsp, "chat:batch", { room, entries: theirs.map(toBatchEntry) } satisfies ChatBatch);
        batchPackets.set(key, packet);
      }
      return packet;
    };

    let messages = 0;
    let batches = 0;
    for (const sid of members) {
      const socket = nsp.sockets.get(sid) as MemberSocket | undefined;
      if (!socket) continue;
      if (socket.data.batch) {
        const packet = batchFor(sid);
        if (packet) {
          writeEncoded(socket.client, packet);
          batches++;
        }
        continue;
      }
      for (let i = 0; i < fresh.length; i++) {
        if (fresh[i]!.sender === sid) continue;
        writeEncoded(socket.client, v1(i));
        messages++;
      }
    }
    if (messages > 0) this.deps.onWrite?.("message", messages);
    if (batches > 0) this.deps.onWrite?.("batch", batches);
  }

  /** The room has no local member any more: forget what was delivered there. */
  forget(room: string): void {
    this.lastDelivered.delete(room);
  }
}
