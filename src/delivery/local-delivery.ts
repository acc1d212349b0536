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
 * - With a tick (`tickFor`), a busy room is written at most once per tick on this replica, however
 *   many replicas publish into it: what arrives within the tick after a write waits for its end
 *   and goes out as one delivery (one batch, one frame per member). Leading edge: a room that has
 *   not been written for its tick is written at once. Without it (or at 0) every publish is
 *   written as it arrives.
 *
 * A broadcast cannot give different members different packets, so this writes pre-encoded
 * packets to each connection (src/engine/pre-encoded.ts), as Socket.IO's own broadcast does.
 * With a shared-frame writer (src/engine/shared-frame.ts), a member whose connection has nothing
 * queued gets instead the complete WebSocket frame(s), built once per delivery and kind (and per
 * local sender), written as the same Buffer to each: the same bytes as the normal path's, and
 * compressed once for every member that accepted permessage-deflate.
 */
import type { Namespace } from "socket.io";
import { engineConnection } from "../engine/engine-connection.js";
import { encodeEvent, writeEncoded, type EncodedPacket } from "../engine/pre-encoded.js";
import { SharedFrame, type SharedFrameWriter } from "../engine/shared-frame.js";
import type { ChatBatch } from "../protocol/index.js";
import type { PublishedEntry } from "../store/message-store.js";
import { V1_EVENTS, toBatchEntry } from "./wire-entries.js";

interface MemberSocket {
  data: { batch?: boolean };
  client: unknown;
  conn: unknown;
}

export interface LocalDeliveryDeps {
  nsp: Pick<Namespace, "name" | "sockets" | "adapter">;
  /** Counts packets written to members, by kind (`message` per v1 entry, `batch`). @default none */
  onWrite?: (kind: "message" | "batch", count: number) => void;
  /** Writes shared frames to members that can take them now; without it every write takes the normal path. @default none */
  frames?: SharedFrameWriter;
  /** Counts members written a shared frame, by encoding, once per delivery. @default none */
  onShared?: (encoding: "plain" | "deflated", count: number) => void;
  /** The room's delivery tick in ms (0: write each publish at once). @default none: always at once */
  tickFor?: (room: string) => number;
  now?: () => number;
}

/** A room's delivery tick: when it was last written, and what waits for the tick's end. */
interface RoomTick {
  last: number;
  pending: PublishedEntry[];
  timer: NodeJS.Timeout | undefined;
}

export class LocalDelivery {
  /** Newest entry id delivered per room with local members; dropped when the room empties here. */
  private readonly lastDelivered = new Map<string, string>();
  /** Rooms with a tick, while they have local members. */
  private readonly ticks = new Map<string, RoomTick>();
  private readonly now: () => number;

  constructor(private readonly deps: LocalDeliveryDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Delivers a publish's entries now, or with what else arrives within the room's tick (see above). */
  deliver(room: string, entries: PublishedEntry[]): void {
    const tickMs = this.deps.tickFor?.(room) ?? 0;
    if (tickMs <= 0) return this.write(room, entries);
    const now = this.now();
    let tick = this.ticks.get(room);
    if (!tick) this.ticks.set(room, (tick = { last: -Infinity, pending: [], timer: undefined }));
    if (tick.timer === undefined && now - tick.last >= tickMs) {
      tick.last = now;
      return this.write(room, entries);
    }
    for (const e of entries) tick.pending.push(e);
    if (tick.timer === undefined) {
      tick.timer = setTimeout(() => this.endTick(room), Math.max(0, tick.last + tickMs - now));
      tick.timer.unref();
    }
  }

  /**
   * Writes what waits for the room's tick now. Called before any other broadcast reaches the room's
   * members here (a `chat:deleted`, say), so nothing overtakes an entry that waits for its tick:
   * without it, a deletion made right after a publish could reach viewers before the message.
   */
  flush(room: string): void {
    const tick = this.ticks.get(room);
    if (!tick?.timer) return;
    clearTimeout(tick.timer);
    this.endTick(room);
  }

  private endTick(room: string): void {
    const tick = this.ticks.get(room);
    if (!tick) return;
    tick.timer = undefined;
    tick.last = this.now();
    const entries = tick.pending;
    tick.pending = [];
    if (entries.length > 0) this.write(room, entries);
  }

  private write(room: string, entries: PublishedEntry[]): void {
    // Newer than what was delivered, each once: a tick may hold a publish and its republish.
    let newest = this.lastDelivered.get(room) ?? "";
    const fresh = entries.filter((e) => (e.id > newest ? ((newest = e.id), true) : false));
    const { nsp } = this.deps;
    const members = nsp.adapter.rooms.get(room);
    if (fresh.length === 0 || !members || members.size === 0) return;
    this.lastDelivered.set(room, fresh.at(-1)!.id);

    const senders = new Set(fresh.map((e) => e.sender).filter((s) => s !== ""));
    /** What a member gets depends only on whether it sent some of the entries: "" for everyone else. */
    const senderKey = (sid: string) => (senders.has(sid) ? sid : "");
    // Everything below is built at first use and shared by every member it fits.
    const v1Packets = new Map<number, EncodedPacket>();
    const batchPackets = new Map<string, EncodedPacket | null>();
    /** Entry `i` as its v1 event. */
    const v1 = (i: number): EncodedPacket =>
      once(v1Packets, i, () => {
        const [event, payload] = V1_EVENTS[fresh[i]!.kind](fresh[i]!);
        return encodeEvent(nsp, event, payload);
      });
    /** The batch for `sid`: every entry but its own. */
    const batchFor = (sid: string): EncodedPacket | null =>
      once(batchPackets, senderKey(sid), () => {
        const key = senderKey(sid);
        const theirs = key === "" ? fresh : fresh.filter((e) => e.sender !== key);
        return theirs.length === 0 ? null : encodeEvent(nsp, "chat:batch", { room, entries: theirs.map(toBatchEntry) } satisfies ChatBatch);
      });

    const writer = this.deps.frames;
    const minBytes = writer?.opts.deflateMinBytes ?? 0;
    /** Shared frames by kind and sender key ("b:" batch, "m:" v1); null when there is nothing to send. */
    const frames = new Map<string, SharedFrame | null>();
    const batchFrame = (sid: string): SharedFrame | null =>
      once(frames, "b:" + senderKey(sid), () => {
        const packet = batchFor(sid);
        return packet ? SharedFrame.of([packet], minBytes) : null;
      });
    /** Every v1 event for `sid` (every entry but its own), as consecutive frames. */
    const v1Frame = (sid: string): SharedFrame | null =>
      once(frames, "m:" + senderKey(sid), () => {
        const packets: EncodedPacket[] = [];
        for (let i = 0; i < fresh.length; i++) if (fresh[i]!.sender !== sid) packets.push(v1(i));
        return packets.length > 0 ? SharedFrame.of(packets, minBytes) : null;
      });

    let messages = 0;
    let batches = 0;
    for (const sid of members) {
      const socket = nsp.sockets.get(sid) as MemberSocket | undefined;
      if (!socket) continue;
      if (socket.data.batch) {
        const packet = batchFor(sid);
        if (!packet) continue;
        batches++;
        if (writer) {
          const frame = batchFrame(sid);
          if (frame && writer.tryWrite(engineConnection(socket), frame)) continue;
        }
        writeEncoded(socket.client, packet);
        continue;
      }
      if (writer) {
        // No frame: nothing for this member, or packets that cannot be shared (the loop below decides).
        const frame = v1Frame(sid);
        if (frame && writer.tryWrite(engineConnection(socket), frame)) {
          messages += frame.count;
          continue;
        }
      }
      for (let i = 0; i < fresh.length; i++) {
        if (fresh[i]!.sender === sid) continue;
        writeEncoded(socket.client, v1(i));
        messages++;
      }
    }
    if (messages > 0) this.deps.onWrite?.("message", messages);
    if (batches > 0) this.deps.onWrite?.("batch", batches);
    if (writer) {
      const shared = writer.take();
      if (shared.plain > 0) this.deps.onShared?.("plain", shared.plain);
      if (shared.deflated > 0) this.deps.onShared?.("deflated", shared.deflated);
    }
  }

  /** The room has no local member any more: forget what was delivered there. */
  forget(room: string): void {
    this.lastDelivered.delete(room);
    const tick = this.ticks.get(room);
    if (tick?.timer) clearTimeout(tick.timer);
    this.ticks.delete(room);
  }

  /** Stops every room's tick; what waits is dropped (the process is stopping). */
  close(): void {
    for (const room of [...this.ticks.keys()]) this.forget(room);
  }
}

/** The value cached under `key`, made (and cached) at first use. */
function once<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  const value = make();
  cache.set(key, value);
  return value;
}
