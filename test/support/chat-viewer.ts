/**
 * A test viewer that behaves like the real client: it keeps the ids it saw per room and its last
 * id, fills a gap (an event whose `prev` it has not seen) by re-joining with `since`, and on a
 * reconnect re-joins every room with its last id on whichever replica it lands.
 */
import type { ChatMessage } from "../../src/protocol/index.js";
import { connectClient, join, type ChatClient } from "./clients.js";

export class ChatViewer {
  /** Every distinct message id per room, live or recovered. */
  readonly ids = new Map<string, Set<string>>();
  /** Raw live deliveries per room, duplicates included: the server must never repeat one. */
  readonly live = new Map<string, string[]>();
  readonly last = new Map<string, string>();
  gapsFilled = 0;
  socket!: ChatClient;
  private filling = new Map<string, Promise<void>>();

  private constructor(readonly rooms: string[]) {}

  static async connect(url: string, rooms: string[]): Promise<ChatViewer> {
    const v = new ChatViewer(rooms);
    await v.reconnect(url);
    return v;
  }

  /** Opens a new connection to `url` and re-joins every room with its last id. */
  async reconnect(url: string): Promise<void> {
    this.socket?.close();
    this.socket = await connectClient(url);
    const onLive = (m: { id: string; room: string; prev?: string | null }) => {
      const list = this.live.get(m.room) ?? [];
      this.live.set(m.room, list);
      list.push(m.id);
      const last = this.last.get(m.room);
      const gap = m.prev && last !== undefined && m.prev > last && !this.ids.get(m.room)?.has(m.prev);
      this.record(m.room, [m.id]);
      if (gap) void this.fill(m.room, last);
    };
    this.socket.on("chat:message", onLive);
    this.socket.on("notice", onLive);
    for (const room of this.rooms) await this.rejoin(room, this.last.get(room));
  }

  private async rejoin(room: string, since: string | undefined): Promise<void> {
    const res = await join(this.socket, room, since);
    if (!res.ok) throw new Error(`join failed: ${JSON.stringify(res)}`);
    if (since !== undefined && !res.recovered) throw new Error(`room ${room} was not recovered`);
    this.record(room, res.messages.map((m: ChatMessage) => m.id));
    if (res.notice) this.record(room, [res.notice.id]);
  }

  /** One fill at a time per room; the re-join returns everything after `since`. */
  private fill(room: string, since: string): Promise<void> {
    const run = (this.filling.get(room) ?? Promise.resolve()).then(async () => {
      this.gapsFilled++;
      await this.rejoin(room, since);
    });
    this.filling.set(room, run.catch(() => undefined));
    return run;
  }

  /** Resolves when no gap fill is running. */
  async settled(): Promise<void> {
    await Promise.all(this.filling.values());
  }

  record(room: string, ids: string[]): void {
    const set = this.ids.get(room) ?? new Set<string>();
    this.ids.set(room, set);
    for (const id of ids) {
      set.add(id);
      const prev = this.last.get(room);
      if (prev === undefined || id > prev) this.last.set(room, id);
    }
  }

  close(): void {
    this.socket?.close();
  }
}
