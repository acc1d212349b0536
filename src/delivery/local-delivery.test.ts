import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BEFORE_ROOM_BROADCAST } from "../adapter/chat-rooms.js";
import type { ChatBatch, ChatCleared, ChatMessage, Notice } from "../protocol/index.js";
import { connectClient, type ChatClient } from "../../test/support/clients.js";
import { settleLobby, startLobbyServer, type LobbyServer } from "../../test/support/lobby-server.js";
import type { PublishedEntry } from "../store/message-store.js";
import { LocalDelivery } from "./local-delivery.js";

const user = { id: "u", name: "U", role: "viewer" as const };
let seq = 0;
function entry(sender: string, text: string, kind: PublishedEntry["kind"] = "chat", prev: string | null = null): PublishedEntry {
  const id = `0170000000000${String(++seq).padStart(4, "0")}-0000000000`; // fixed width: ids of a room compare as strings
  return { id, prev, sender, room: "lobby", kind, text, user, ts: 1 };
}

/** What one client received, in order: v1 events as `event:text`, batches as `batch:text,text`. */
function recorder(c: ChatClient): string[] {
  const got: string[] = [];
  c.on("chat:message", (m: ChatMessage) => got.push(`chat:message:${m.text}:${m.prev ?? "null"}`));
  c.on("notice", (n: Notice) => got.push(`notice:${n.text}`));
  c.on("chat:batch", (b: ChatBatch) => got.push(`batch:${b.entries.map((e) => e.text).join(",")}`));
  return got;
}

describe("LocalDelivery", () => {
  let lobby: LobbyServer;
  let delivery: LocalDelivery;
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    lobby = await startLobbyServer();
    delivery = new LocalDelivery({ nsp: lobby.io.of("/") });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await lobby.close();
  });

  async function client(batch: boolean): Promise<{ c: ChatClient; got: string[] }> {
    const c = await connectClient(lobby.url, { auth: batch ? { caps: ["batch", "future-cap"] } : {} });
    clients.push(c);
    return { c, got: recorder(c) };
  }

  const settle = (all: ChatClient[]) => settleLobby(lobby.io, all);

  it("sends v1 clients one event per entry and batch clients one batch, leaving out each sender's own", async () => {
    const v1 = await client(false);
    const b1 = await client(true);
    const b2 = await client(true);
    const entries = [entry(v1.c.id!, "from v1"), entry(b1.c.id!, "from b1"), entry("", "pinned", "notice"), entry("elsewhere", "other")];
    delivery.deliver("lobby", entries);
    await settle([v1.c, b1.c, b2.c]);
    expect(v1.got).toEqual(["chat:message:from b1:null", "notice:pinned", "chat:message:other:null"]);
    expect(b1.got).toEqual(["batch:from v1,pinned,other"]);
    expect(b2.got).toEqual(["batch:from v1,from b1,pinned,other"]);
  });

  it("sends nothing to a batch client whose own entries are all there is", async () => {
    const b1 = await client(true);
    const v1 = await client(false);
    delivery.deliver("lobby", [entry(b1.c.id!, "mine")]);
    await settle([b1.c, v1.c]);
    expect(b1.got).toEqual([]);
    expect(v1.got).toEqual(["chat:message:mine:null"]);
  });

  it("carries prev and delivers an entry once, even when it is published again", async () => {
    const v1 = await client(false);
    const a = entry("", "a");
    const b = entry("", "b", "chat", a.id);
    delivery.deliver("lobby", [a]);
    delivery.deliver("lobby", [a, b]); // a republish after a failover starts before what we delivered
    await settle([v1.c]);
    expect(v1.got).toEqual(["chat:message:a:null", `chat:message:b:${a.id}`]);
  });

  it("maps a clear marker to chat:cleared for v1 clients and keeps it in batches; marks system posts", async () => {
    const v1 = await client(false);
    const b1 = await client(true);
    const cleared: ChatCleared[] = [];
    const messages: ChatMessage[] = [];
    v1.c.on("chat:cleared", (c) => cleared.push(c));
    v1.c.on("chat:message", (m) => messages.push(m));
    const batches: ChatBatch[] = [];
    b1.c.on("chat:batch", (b) => batches.push(b));
    const before = entry("", "before");
    const marker = { ...entry("", "", "clear", before.id) };
    const sys = { ...entry("", "Alice subscribed!", "chat", marker.id), system: true as const };
    delivery.deliver("lobby", [before, marker, sys]);
    await settle([v1.c, b1.c]);
    expect(cleared).toEqual([{ room: "lobby", id: marker.id, user, ts: 1, prev: before.id }]);
    expect(messages.map((m) => [m.text, m.system])).toEqual([
      ["before", undefined],
      ["Alice subscribed!", true],
    ]);
    expect(batches[0]!.entries.map((e) => [e.kind, e.system])).toEqual([
      ["chat", undefined],
      ["clear", undefined],
      ["chat", true],
    ]);
  });

  it("writes what a room's tick holds back before any other broadcast reaches the room (a deletion never overtakes its message)", async () => {
    const ticked = new LocalDelivery({ nsp: lobby.io.of("/"), tickFor: () => 60_000 });
    lobby.io.of("/").adapter.on(BEFORE_ROOM_BROADCAST, (room: string) => ticked.flush(room));
    try {
      const v1 = await client(false);
      const order: string[] = [];
      v1.c.on("chat:message", (m: ChatMessage) => order.push(`message:${m.id}`));
      v1.c.on("chat:deleted", (d: { id: string }) => order.push(`deleted:${d.id}`));
      const [first, second] = [entry("", "first"), entry("", "second")];
      ticked.deliver("lobby", [first]); // leading edge: written at once
      ticked.deliver("lobby", [second]); // within the tick: held back for a minute
      lobby.io.to("lobby").emit("chat:deleted", { room: "lobby", id: second.id });
      await settle([v1.c]);
      expect(order).toEqual([`message:${first.id}`, `message:${second.id}`, `deleted:${second.id}`]);
    } finally {
      ticked.close();
    }
  });

  it("ignores rooms without local members", () => {
    expect(() => delivery.deliver("empty", [entry("", "x")])).not.toThrow();
  });
});
