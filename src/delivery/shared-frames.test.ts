/**
 * Shared room frames (src/engine/shared-frame.ts) with real clients, on both WebSocket engines and
 * with permessage-deflate: members receive exactly the events the normal path gives them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { engineConnection } from "../engine/engine-connection.js";
import { SharedFrameWriter } from "../engine/shared-frame.js";
import { leanWebSocketEngine } from "../engine/websocket/lean-websocket-server.js";
import type { ChatBatch, ChatCleared, ChatMessage, Notice } from "../protocol/index.js";
import { connectClient, type ChatClient } from "../../test/support/clients.js";
import { settleLobby, startLobbyServer, type LobbyServer } from "../../test/support/lobby-server.js";
import type { PublishedEntry } from "../store/message-store.js";
import { LocalDelivery } from "./local-delivery.js";

const user = { id: "u", name: "U", role: "viewer" as const };
let seq = 0;
function entry(sender: string, text: string, kind: PublishedEntry["kind"] = "chat"): PublishedEntry {
  const id = `0180000000000${String(++seq).padStart(4, "0")}-0000000000`; // fixed width: ids of a room compare as strings
  return { id, prev: null, sender, room: "lobby", kind, text, user, ts: 1 };
}

/** Every event one client received, decoded, in order. */
function recorder(c: ChatClient): unknown[] {
  const got: unknown[] = [];
  c.on("chat:message", (m: ChatMessage) => got.push(["chat:message", { ...m, id: "", prev: "" }]));
  c.on("notice", (n: Notice) => got.push(["notice", { ...n, id: "", prev: "" }]));
  c.on("chat:cleared", (n: ChatCleared) => got.push(["chat:cleared", n.user]));
  c.on("chat:batch", (b: ChatBatch) => got.push(["chat:batch", b.entries.map((e) => ({ ...e, id: "", prev: "" }))]));
  (c as unknown as { on(e: string, f: () => void): void }).on("queued", () => got.push(["queued"]));
  return got;
}

type Engine = "ws" | "lean" | "lean+deflate";

const servers: LobbyServer[] = [];
const clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const lobby of servers.splice(0)) await lobby.close();
});

async function start(engine: Engine): Promise<LobbyServer> {
  const lobby = await startLobbyServer(engine === "ws" ? {} : { wsEngine: leanWebSocketEngine({ sharedDeflate: engine === "lean+deflate" }) });
  servers.push(lobby);
  return lobby;
}

async function client(url: string, batch: boolean): Promise<{ c: ChatClient; got: unknown[] }> {
  const c = await connectClient(url, { auth: batch ? { caps: ["batch"] } : {} });
  clients.push(c);
  return { c, got: recorder(c) };
}

/** Two v1 and two batch clients; deliveries with entries from some of them, a notice and a long text. */
async function scenario(engine: Engine, writer: SharedFrameWriter | undefined): Promise<unknown[][]> {
  const { io, url } = await start(engine);
  const delivery = new LocalDelivery({ nsp: io.of("/"), frames: writer });
  const members = [await client(url, false), await client(url, false), await client(url, true), await client(url, true)];
  const [v1, , b1] = members;
  delivery.deliver("lobby", [entry(v1!.c.id!, "from v1"), entry(b1!.c.id!, "from b1"), entry("", "pinned", "notice"), entry("elsewhere", "x".repeat(400))]);
  delivery.deliver("lobby", [entry("", "", "clear"), entry("elsewhere", "after the clear"), entry(b1!.c.id!, "b1 again")]);
  delivery.deliver("lobby", [entry(b1!.c.id!, "only b1")]);
  await settleLobby(io, members.map((m) => m.c));
  return members.map((m) => m.got);
}

describe.each<Engine>(["ws", "lean", "lean+deflate"])("shared room frames (%s engine)", (engine) => {
  it("give every member exactly the events of the normal path, senders' own left out", async () => {
    const normal = await scenario(engine, undefined);
    const writer = new SharedFrameWriter({ deflateMinBytes: 100 });
    const counted = { plain: 0, deflated: 0 };
    const take = writer.take.bind(writer);
    writer.take = () => {
      const t = take();
      counted.plain += t.plain;
      counted.deflated += t.deflated;
      return t;
    };
    const shared = await scenario(engine, writer);
    expect(shared).toEqual(normal);
    expect(normal[2]!.length).toBeGreaterThan(0);
    // Every member took the shared path: 4 + 4 + 3 writes (b1 gets nothing from the last delivery).
    expect(counted.plain + counted.deflated).toBe(11);
    if (engine === "lean+deflate") expect(counted.deflated).toBeGreaterThan(0);
    else expect(counted.deflated).toBe(0);
  });

  it("keeps a member's order behind what engine.io has queued for it", async () => {
    const { io, url, sockets } = await start(engine);
    const writer = new SharedFrameWriter({ deflateMinBytes: 0 });
    const delivery = new LocalDelivery({ nsp: io.of("/"), frames: writer });
    const v1 = await client(url, false);
    const b1 = await client(url, true);
    for (const c of [v1.c, b1.c]) {
      const conn = engineConnection(sockets.get(c.id!)!);
      conn.transport.writable = false; // engine.io holds what is emitted now in the write buffer
      sockets.get(c.id!)!.emit("queued");
      expect(conn.writeBuffer.length).toBe(1);
    }
    delivery.deliver("lobby", [entry("", "after")]);
    expect(writer.take()).toEqual({ plain: 0, deflated: 0 });
    for (const c of [v1.c, b1.c]) {
      const conn = engineConnection(sockets.get(c.id!)!);
      conn.transport.writable = true;
      conn.flush();
    }
    await settleLobby(io, [v1.c, b1.c]);
    expect(v1.got.map((e) => (e as unknown[])[0])).toEqual(["queued", "chat:message"]);
    expect(b1.got.map((e) => (e as unknown[])[0])).toEqual(["queued", "chat:batch"]);
  });

  it("asks the client queue limit first and writes nothing to a connection it closed", async () => {
    const { io, url } = await start(engine);
    const asked: string[] = [];
    const writer = new SharedFrameWriter({}, (conn) => {
      asked.push(conn.id);
      conn.close(true);
      return false;
    });
    const delivery = new LocalDelivery({ nsp: io.of("/"), frames: writer });
    const b1 = await client(url, true);
    const closed = new Promise<string>((r) => b1.c.once("disconnect", r));
    delivery.deliver("lobby", [entry("", "never seen")]);
    expect(asked).toHaveLength(1);
    expect(await closed).toBe("transport close");
    expect(b1.got).toEqual([]);
  });
});
