/** One {@link ChatClient} on a fake socket and a fake clock, and the server's side of the talk. */
import type { ChatMessage, ClientToServerEvents, JoinResult, Notice, User } from "../../protocol/index.js";
import { ChatClient, type ChatClientOptions } from "../chat-client.js";
import { alwaysOnline } from "../network.js";
import { MemoryStorage } from "../storage.js";
import { FakeClock, flush } from "./fake-clock.js";
import { fakeSockets, type FakeRequest, type FakeSocket } from "./fake-socket.js";

export const alice: User = { id: "u-alice", name: "Alice", role: "viewer" };

export function message(room: string, id: string, prev?: string | null, text = `m${id}`): ChatMessage {
  const msg: ChatMessage = { id, room, kind: "chat", text, user: alice, ts: 1 };
  if (prev !== undefined) msg.prev = prev;
  return msg;
}

export function notice(room: string, id: string, prev?: string | null, text = `n${id}`): Notice {
  const n: Notice = { id, room, text, user: { id: "s", name: "Sam", role: "streamer" }, ts: 1 };
  if (prev !== undefined) n.prev = prev;
  return n;
}

export interface Harness {
  client: ChatClient;
  socket: FakeSocket;
  clock: FakeClock;
  storage: MemoryStorage;
  /** Lets pending work run, then returns the oldest unanswered request of `event`. */
  next<E extends keyof ClientToServerEvents>(event: E): Promise<FakeRequest<E>>;
  /** Answers the oldest (or newest) unanswered join ok, with messages of these ids. */
  answerJoin(ids?: string[], extra?: Partial<JoinResult>, which?: "oldest" | "newest"): Promise<void>;
}

export function harness(options: Partial<ChatClientOptions> = {}): Harness {
  const clock = new FakeClock();
  const storage = options.storage instanceof MemoryStorage ? options.storage : new MemoryStorage();
  const { factory, sockets } = fakeSockets();
  const client = new ChatClient({ clock, storage, socket: factory, network: alwaysOnline, ...options });
  const socket = sockets[0]!;
  return {
    client,
    socket,
    clock,
    storage,
    async next(event) {
      await flush();
      const req = socket.unanswered(event)[0];
      if (!req) throw new Error(`no ${event} request`);
      return req;
    },
    async answerJoin(ids = [], extra = {}, which = "oldest") {
      await flush();
      const waiting = socket.unanswered("room:join");
      const req = which === "oldest" ? waiting[0] : waiting.at(-1);
      if (!req) throw new Error("no join to answer");
      const room = req.payload.room;
      req.ack({
        ok: true,
        room,
        viewers: 1,
        recovered: req.payload.since !== undefined,
        messages: ids.map((id) => message(room, id)),
        notice: null,
        ...extra,
      });
      await flush();
    },
  };
}
