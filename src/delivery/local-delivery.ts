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
 * It writes pre-encoded packets straight to each connection, as Socket.IO's own adapter broadcast
 * does (`adapter._encode` builds the packet and its pre-framed WebSocket frame once;
 * `client.writeToEngine` queues it), because a broadcast cannot give different members different
 * packets. Those are socket.io 4.8.4 / socket.io-adapter 2.5.8 internals (pinned), checked by
 * src/adapter/internals.test.ts. Outgoing-packet listeners (`socket.onAnyOutgoing`) are not called:
 * nothing here uses them.
 */
import type { Namespace } from "socket.io";
import type { BatchEntry, ChatBatch, ChatCleared, ChatMessage, Notice } from "../protocol/index.js";
import type { StoredKind } from "../store/message-store.js";
import type { PublishedEntry } from "../store/message-store.js";

/** An encoded packet and the options Socket.IO's broadcast passes with it. */
interface Frame {
  packets: unknown[];
  opts: { preEncoded: true; wsPreEncodedFrame?: unknown };
}

/** socket.io-adapter internals used to encode once for many connections. */
export interface EncodingAdapter {
  rooms: Map<string, Set<string>>;
  _encode(packet: { type: number; data: unknown[]; nsp: string }, opts: Frame["opts"]): unknown[];
}

/** socket.io internals used to queue a pre-encoded packet on one connection. */
export interface WritableClient {
  writeToEngine(packets: unknown[], opts: Frame["opts"]): void;
}

interface MemberSocket {
  data: { batch?: boolean };
  client: unknown;
}

/** Socket.IO's EVENT packet type. */
const EVENT = 2;

/** How a protocol v1 client receives each kind of entry. */
const V1_EVENTS: Record<StoredKind, (e: PublishedEntry) => [string, ChatMessage | Notice | ChatCleared]> = {
  chat: (e) => ["chat:message", chatMessage(e)],
  question: (e) => ["chat:message", chatMessage(e)],
  notice: (e) => ["notice", system<Notice>(e, { id: e.id, room: e.room, text: e.text, user: e.user, ts: e.ts, prev: e.prev })],
  clear: (e) => ["chat:cleared", system<ChatCleared>(e, { room: e.room, id: e.id, user: e.user, ts: e.ts, prev: e.prev })],
};

/** Adds `system: true` to what the site posted; absent otherwise (v1 payloads stay as they were). */
function system<T extends { system?: true }>(e: PublishedEntry, payload: T): T {
  if (e.system) payload.system = true;
  return payload;
}

function chatMessage(e: PublishedEntry): ChatMessage {
  return system<ChatMessage>(e, { id: e.id, room: e.room, kind: e.kind as ChatMessage["kind"], text: e.text, user: e.user, ts: e.ts, prev: e.prev });
}

function batchEntry(e: PublishedEntry): BatchEntry {
  return system<BatchEntry>(e, { id: e.id, kind: e.kind, text: e.text, user: e.user, ts: e.ts, prev: e.prev });
}

export interface RoomFeedDeps {
  nsp: Pick<Namespace, "name" | "sockets" | "adapter">;
  /** Counts packets written to members, by kind (`message` per v1 entry, `batch`). @default none */
  onWrite?: (kind: "message" | "batch", count: number) => void;
}

export class RoomFeed {
  /** Newest entry id delivered per room with local members; dropped when the room empties here. */
  private readonly lastDelivered = new Map<string, string>();

  constructor(private readonly deps: RoomFeedDeps) {}

  deliver(room: string, entries: PublishedEntry[]): void {
    const last = this.lastDelivered.get(room);
    const fresh = last === undefined ? entries : entries.filter((e) => e.id > last);
    const adapter = this.deps.nsp.adapter as unknown as EncodingAdapter;
    const members = adapter.rooms.get(room);
    if (fresh.length === 0 || !members || members.size === 0) return;
    this.lastDelivered.set(room, fresh.at(-1)!.id);

    const encode = (event: string, payload: unknown): Frame => {
      const opts: Frame["opts"] = { preEncoded: true };
      return { packets: adapter._encode({ type: EVENT, data: [event, payload], nsp: this.deps.nsp.name }, opts), opts };
    };
    const senders = new Set(fresh.map((e) => e.sender).filter((s) => s !== ""));
    const v1Frames: (Frame | undefined)[] = [];
    const batchFrames = new Map<string, Frame | null>();
    const v1 = (i: number) => (v1Frames[i] ??= encode(...V1_EVENTS[fresh[i]!.kind](fresh[i]!)));
    /** The batch for `sid`: every entry but its own; one shared frame for non-senders. */
    const batchFor = (sid: string): Frame | null => {
      const key = senders.has(sid) ? sid : "";
      let frame = batchFrames.get(key);
      if (frame === undefined) {
        const theirs = key === "" ? fresh : fresh.filter((e) => e.sender !== key);
        frame = theirs.length === 0 ? null : encode("chat:batch", { room, entries: theirs.map(batchEntry) } satisfies ChatBatch);
        batchFrames.set(key, frame);
      }
      return frame;
    };

    let messages = 0;
    let batches = 0;
    for (const sid of members) {
      const socket = this.deps.nsp.sockets.get(sid) as MemberSocket | undefined;
      if (!socket) continue;
      const client = socket.client as WritableClient;
      if (socket.data.batch) {
        const frame = batchFor(sid);
        if (frame) {
          client.writeToEngine(frame.packets, frame.opts);
          batches++;
        }
        continue;
      }
      for (let i = 0; i < fresh.length; i++) {
        if (fresh[i]!.sender === sid) continue;
        const frame = v1(i);
        client.writeToEngine(frame.packets, frame.opts);
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
