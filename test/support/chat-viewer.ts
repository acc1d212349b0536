/**
 * The tests' reference viewer: the shipped client SDK (`ChatClient`: recovery, reorder tolerance,
 * gap refills, de-duplication), plus a record of what it got for the assertions. Its storage is
 * in memory and outlives a reconnect, so `reconnect(url)` is what a reloaded page does: a new
 * connection, anywhere, joining every room with the last id it kept.
 */
import { ChatClient, MemoryStorage, type RetryPolicy, type RoomSubscription } from "../../src/sdk/index.js";
import { socketIo, type RawSocket, type SocketIoChatSocket } from "../../src/sdk/socket-io.js";
import type { ChatSocket } from "../../src/sdk/socket.js";

/** What one join's ack said, as it came over the wire. */
export interface JoinRecord {
  room: string;
  since: string | undefined;
  recovered: boolean;
  /** Ids of the ack's messages, in its order. */
  ids: string[];
}

/** A live delivery as it came: a v1 `chat:message` / `notice`, or one entry of a v1.1 `chat:batch`. */
export interface LiveEntry {
  id: string;
  text: string;
}

export interface ChatViewerOptions {
  /** The SDK's grace before an unseen `prev` counts as a gap. @default the SDK's (1000) */
  gapGraceMs?: number;
  /** What the viewer keeps across connections (last ids, snapshots). @default a new MemoryStorage */
  storage?: MemoryStorage;
  /**
   * Reconnect by itself (socket.io-client's backoff) and re-join with `since`, as the SDK does by
   * default, e.g. behind a load balancer whose replica goes away. @default false: tests call `reconnect(url)`
   */
  reconnection?: boolean;
  /** The SDK's retries of this viewer's own sends. @default the SDK's */
  retry?: Partial<RetryPolicy>;
}

export class ChatViewer {
  /** Every distinct entry id per room (messages, notices, unknown kinds), live or recovered. */
  readonly ids = new Map<string, Set<string>>();
  /** Raw live deliveries per room, duplicates included: the server must never repeat one. */
  readonly live = new Map<string, string[]>();
  /** Every join ack (first joins, re-joins and refills), raw. */
  readonly joins: JoinRecord[] = [];
  /** The current connection's socket.io-client socket. */
  socket!: RawSocket;
  client!: ChatClient;
  /** What it keeps across connections, as a page keeps it in localStorage. */
  readonly storage: MemoryStorage;
  private refillsBefore = 0;
  private readonly liveWatchers = new Set<(room: string, entry: LiveEntry) => void>();

  private constructor(
    readonly rooms: string[],
    private readonly options: ChatViewerOptions,
  ) {
    this.storage = options.storage ?? new MemoryStorage();
  }

  static async connect(url: string, rooms: string[], options: ChatViewerOptions = {}): Promise<ChatViewer> {
    const v = new ChatViewer(rooms, options);
    await v.reconnect(url);
    return v;
  }

  /** The `since` each room would join with now (what the SDK keeps). */
  get last(): Map<string, string> {
    const last = new Map<string, string>();
    for (const room of this.rooms) {
      const id = this.client?.rooms.find((r) => r.id === room)?.lastId ?? this.storage.loadRoom(room)?.lastId;
      if (id !== undefined) last.set(room, id);
    }
    return last;
  }

  /** Refills the SDK made for gaps (not re-joins after a reconnect), over every connection. */
  get gapsFilled(): number {
    return this.refillsBefore + (this.client?.stats.refills ?? 0);
  }

  /**
   * Opens a new connection to `url` (the old one is closed) and joins every room with the last id
   * kept; resolves once all are joined. A join that had a `since` must be recovered.
   */
  async reconnect(url: string): Promise<void> {
    if (this.client) {
      this.refillsBefore += this.client.stats.refills;
      this.client.close();
    }
    const make = socketIo({ reconnection: this.options.reconnection ?? false });
    const client = new ChatClient({
      url,
      storage: this.storage,
      ...(this.options.retry ? { retry: this.options.retry } : {}),
      rooms: this.options.gapGraceMs === undefined ? {} : { gapGraceMs: this.options.gapGraceMs },
      socket: (input) => this.tap(make(input) as SocketIoChatSocket),
    });
    this.client = client;
    await connected(client);
    const firstJoins = this.joins.length;
    await Promise.all(this.rooms.map((room) => this.watch(client.room(room)).join()));
    for (const join of this.joins.slice(firstJoins)) {
      if (join.since !== undefined && !join.recovered) throw new Error(`room ${join.room} was not recovered from ${join.since}`);
    }
  }

  /**
   * Resolves with the next live delivery in `room` that passes `filter` (whether the server sends
   * v1 events or, to this batch-capable client, `chat:batch`); rejects after `ms`.
   */
  nextLive(room: string, filter: (entry: LiveEntry) => boolean, ms = 5_000): Promise<LiveEntry> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.liveWatchers.delete(watch);
        reject(new Error(`no live delivery in ${room} within ${ms} ms`));
      }, ms);
      const watch = (r: string, entry: LiveEntry) => {
        if (r !== room || !filter(entry)) return;
        clearTimeout(timer);
        this.liveWatchers.delete(watch);
        resolve(entry);
      };
      this.liveWatchers.add(watch);
    });
  }

  /** Resolves when every room is joined with no gap open and no refill running. */
  async settled(): Promise<void> {
    await Promise.all(this.rooms.map((room) => this.client.room(room).settled()));
  }

  close(): void {
    this.client?.close();
  }

  private record(room: string, ids: string[]): void {
    const set = this.ids.get(room) ?? new Set<string>();
    this.ids.set(room, set);
    for (const id of ids) set.add(id);
  }

  private watch(room: RoomSubscription): RoomSubscription {
    room.on("messages", ({ messages }) => this.record(room.id, messages.map((m) => m.id)));
    room.on("notice", ({ notice }) => notice && this.record(room.id, [notice.id]));
    room.on("entry", ({ entry }) => this.record(room.id, [entry.id]));
    return room;
  }

  /** Records raw live deliveries and join acks off the socket the SDK uses. */
  private tap(socket: SocketIoChatSocket): ChatSocket {
    this.socket = socket.raw;
    const live = (room: string, entry: LiveEntry) => {
      const list = this.live.get(room) ?? [];
      this.live.set(room, list);
      list.push(entry.id);
      for (const watch of [...this.liveWatchers]) watch(room, entry);
    };
    socket.raw.on("chat:message", (m) => live(m.room, m));
    socket.raw.on("notice", (n) => live(n.room, n));
    socket.raw.on("chat:batch", (b) => b.entries.forEach((e) => live(b.room, e)));
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string, payload: { room: string; since?: string }, ack: (res: unknown) => void) => {
      if (event !== "room:join") return (emit as (...a: unknown[]) => void)(event, payload, ack);
      (emit as (...a: unknown[]) => void)(event, payload, (res: { ok: boolean; recovered?: boolean; messages?: { id: string }[] }) => {
        if (res?.ok) {
          this.joins.push({ room: payload.room, since: payload.since, recovered: res.recovered === true, ids: (res.messages ?? []).map((m) => m.id) });
        }
        ack(res);
      });
    }) as typeof socket.emit;
    return socket;
  }
}

/** Resolves once connected; rejects if the server refuses or nothing connects in time. */
export function connected(client: ChatClient, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`not connected within ${ms} ms (state ${client.state})`));
    }, ms);
    const check = () => {
      if (client.state !== "connected" && client.state !== "refused") return;
      clearTimeout(timer);
      off();
      if (client.state === "connected") resolve();
      else reject(new Error(`connection refused: ${client.refusal}`));
    };
    const off = client.on("state", check);
    check();
  });
}
