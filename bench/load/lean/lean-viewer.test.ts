/**
 * Lean viewers against a real Socket.IO server in this process (stock, in-memory adapter), and
 * against a bare `ws` server playing Engine.IO for what Socket.IO never does on the wire
 * (WebSocket pings, fragmented messages, close codes).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { DeliveryTally } from "../delivery-tally.js";
import { LeanViewers } from "./lean-viewer.js";
import type { ClientSpec } from "../load-protocol.js";
import { stampText } from "../message-stamp.js";
import { ChatMemoryAdapter } from "../../../src/adapter/memory-adapter.js";
import { LocalDelivery } from "../../../src/delivery/local-delivery.js";
import { SharedFrameWriter } from "../../../src/engine/shared-frame.js";
import { leanWebSocketEngine } from "../../../src/engine/websocket/lean-websocket-server.js";
import type { PublishedEntry } from "../../../src/store/message-store.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function socketIoServer(options: { pingIntervalMs?: number } = {}): Promise<{ io: Server; url: string }> {
  const http = createServer();
  const io = new Server(http, { pingInterval: options.pingIntervalMs ?? 25_000, pingTimeout: 2_000 });
  const url = await listen(http);
  cleanups.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  return { io, url };
}

function viewers(): { tally: DeliveryTally; lean: LeanViewers } {
  const tally = new DeliveryTally();
  const lean = new LeanViewers(tally, { connectTimeoutMs: 5_000 });
  cleanups.push(() => lean.closeAll());
  return { tally, lean };
}

const spec = (url: string, extra: Partial<ClientSpec> = {}): ClientSpec => ({ url, replica: 0, rooms: ["r"], client: "lean", ...extra });
const stamp = (seq: number, sentAt = 1_000 + seq) => stampText({ sentAt, replica: 1, lane: "p1-0", seq }, 60);
const user = { id: "u", name: "n", role: "viewer" };

describe("lean viewers on Socket.IO", () => {
  it("take this server's shared permessage-deflate: counting viewers inflate each frame once per process, the sample its own", async () => {
    const http = createServer();
    const io = new Server(http, { adapter: ChatMemoryAdapter, wsEngine: leanWebSocketEngine({ sharedDeflate: true }) });
    const url = await listen(http);
    cleanups.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
    io.use((socket, next) => {
      socket.data.batch = Array.isArray(socket.handshake.auth.caps);
      next();
    });
    io.on("connection", (socket) => {
      socket.on("room:join", ({ room }: { room: string }, ack: (r: unknown) => void) => {
        void socket.join(room);
        ack({ ok: true, room, viewers: 1, recovered: false, messages: [], notice: null });
      });
    });
    const shared: Record<string, number> = {};
    const delivery = new LocalDelivery({
      nsp: io.of("/"),
      frames: new SharedFrameWriter({ deflateMinBytes: 0 }),
      onShared: (encoding, n) => (shared[encoding] = (shared[encoding] ?? 0) + n),
    });
    const { tally, lean } = viewers();
    await lean.open(spec(url, { batch: true, sample: true }));
    for (let i = 0; i < 3; i++) await lean.open(spec(url, { batch: true }));
    tally.reset(0);
    const entries: PublishedEntry[] = [1, 2, 3, 4, 5, 6].map((seq) => ({
      id: `0-${seq}`,
      prev: seq === 1 ? null : `0-${seq - 1}`,
      sender: "",
      room: "r",
      kind: "chat",
      text: stamp(seq),
      user: { id: "u", name: "n", role: "viewer" },
      ts: 1,
    }));
    delivery.deliver("r", entries.slice(0, 3));
    delivery.deliver("r", entries.slice(3));
    await vi.waitFor(() => expect(tally.report().clients.lean?.deliveries).toBe(24));
    expect(shared).toEqual({ deflated: 8 });
    expect(lean.inflates).toBe(2); // one per delivery for the three counting viewers
    expect(tally.report().sample).toEqual({ viewers: 1, checked: 6, gaps: 0, duplicates: 0, scanMismatches: 0 });
  });

  it("connect with the batch capability and a session, join with an ack, count messages and batch entries", async () => {
    const { io, url } = await socketIoServer();
    const auths: unknown[] = [];
    io.on("connection", (socket) => {
      auths.push(socket.handshake.auth);
      socket.on("room:join", ({ room }: { room: string }, ack: (r: unknown) => void) => {
        void socket.join(room);
        ack({ ok: true, room, viewers: 1, recovered: false, messages: [], notice: null });
      });
    });
    const { tally, lean } = viewers();
    await lean.open(spec(url, { batch: true, sample: true }));
    await lean.open(spec(url));
    expect(auths).toEqual([{ caps: ["batch"], session: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) }, {}]);
    tally.reset(0);

    io.to("r").emit("chat:message", { id: "0-1", room: "r", kind: "chat", text: stamp(1), user, ts: 1, prev: null });
    const entries = [2, 3, 4].map((seq) => ({ id: `0-${seq}`, kind: "chat", text: stamp(seq), user, ts: 1, prev: `0-${seq - 1}` }));
    io.to("r").emit("chat:batch", { room: "r", entries });
    io.to("r").emit("room:viewers", { room: "r", count: 2 });
    await vi.waitFor(() => expect(tally.report().otherEvents).toBe(2));

    const report = tally.report();
    expect(report.clients.lean).toMatchObject({ viewers: 2, deliveries: 8 });
    expect(report.clients.lean!.wireBytes).toBeGreaterThan(8 * 60);
    // Latency comes from the sample alone (other lean viewers may read in batches).
    expect(report.cross.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(report.sample).toEqual({ viewers: 1, checked: 4, gaps: 0, duplicates: 0, scanMismatches: 0 });
  });

  it("answer Engine.IO pings, so the server keeps them", async () => {
    const { io, url } = await socketIoServer({ pingIntervalMs: 50 });
    let pongs = 0;
    io.on("connection", (socket) => {
      socket.conn.on("packet", (p: { type: string }) => void (p.type === "pong" && pongs++));
      socket.on("room:join", (_: unknown, ack: (r: unknown) => void) => ack({ ok: true }));
    });
    const { tally, lean } = viewers();
    await lean.open(spec(url));
    await vi.waitFor(() => expect(pongs).toBeGreaterThanOrEqual(4));
    expect(tally.report().disconnects).toBe(0);
  });

  it("reject a refused connection and a refused join; count a server's disconnect", async () => {
    const { io, url } = await socketIoServer();
    io.use((socket, next) => next(socket.handshake.auth.caps ? new Error("unauthorized") : undefined));
    io.on("connection", (socket) => {
      socket.on("room:join", ({ room }: { room: string }, ack: (r: unknown) => void) => {
        if (room === "closed") return ack({ ok: false, error: { code: "forbidden", message: "no" } });
        ack({ ok: true });
        setTimeout(() => socket.disconnect(true), 10);
      });
    });
    const { tally, lean } = viewers();
    await expect(lean.open(spec(url, { batch: true }))).rejects.toThrow(/connect_error.*unauthorized/);
    await expect(lean.open(spec(url, { rooms: ["closed"] }))).rejects.toThrow("join closed: forbidden");
    await lean.open(spec(url));
    await vi.waitFor(() => expect(tally.report().disconnects).toBe(1));
  });

  it("sample: a missing prev is a gap, an old id a duplicate, a skipped lane sequence a gap, a stamp the decode does not see a mismatch", async () => {
    const { io, url } = await socketIoServer();
    io.on("connection", (socket) => {
      socket.on("room:join", ({ room }: { room: string }, ack: (r: unknown) => void) => {
        void socket.join(room);
        ack({ ok: true, room, viewers: 1, recovered: false, messages: [{ id: "0-1", text: "old" }], notice: null });
      });
    });
    const { tally, lean } = viewers();
    await lean.open(spec(url, { sample: true }));
    tally.reset(0);
    const entry = (id: number, prev: number) => ({ id: `0-${id}`, kind: "chat", text: stamp(id), user, ts: 1, prev: `0-${prev}` });
    // After the ack's 0-1: 0-2 fine, 0-4 (prev 0-3 never seen): a gap, then 0-3: a duplicate.
    io.to("r").emit("chat:batch", { room: "r", entries: [entry(2, 1), entry(4, 3), entry(3, 2)] });
    // Stock messages (no prev): lane sequence 1, 2, 5 (2 missing), 5 again.
    for (const seq of [1, 2, 5, 5]) io.to("r").emit("chat:message", { id: `s${seq}`, room: "r", text: stamp(seq) });
    io.to("r").emit("chat:message", { id: "x", room: "r", text: "plain", extra: { text: stamp(9) } });
    await vi.waitFor(() => expect(tally.report().sample).toMatchObject({ checked: 7, scanMismatches: 1 }));
    expect(tally.report().sample).toEqual({ viewers: 1, checked: 7, gaps: 3, duplicates: 2, scanMismatches: 1 });
  });
});

describe("lean viewers on the WebSocket level", () => {
  /** A `ws` server that plays just enough Engine.IO and Socket.IO to let a viewer join, then hands the socket over. */
  async function engineStandIn(): Promise<{ url: string; joined: Promise<WebSocket> }> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const url = await listen(http);
    cleanups.push(() => new Promise<void>((resolve) => (wss.close(), http.close(() => resolve()), http.closeAllConnections())));
    const joined = new Promise<WebSocket>((resolve) => {
      wss.on("connection", (ws) => {
        ws.send('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
        ws.on("message", (data) => {
          const text = String(data);
          if (text.startsWith("40")) ws.send('40{"sid":"x"}');
          else if (text.startsWith("421[")) {
            ws.send('431[{"ok":true,"messages":[]}]');
            resolve(ws);
          }
        });
      });
    });
    return { url, joined };
  }

  it("answer WebSocket pings, read fragmented packets, echo a close and count the disconnect", async () => {
    const { url, joined } = await engineStandIn();
    const { tally, lean } = viewers();
    await lean.open(spec(url, { sample: true }));
    const ws = await joined;
    tally.reset(0);

    const pong = new Promise<string>((resolve) => ws.once("pong", (data) => resolve(String(data))));
    ws.ping("are you there");
    expect(await pong).toBe("are you there");

    const packet = `42${JSON.stringify(["chat:message", { id: "1", room: "r", text: stamp(1) }])}`;
    ws.send(packet.slice(0, 10), { fin: false });
    ws.send(packet.slice(10, 30), { fin: false });
    ws.send(packet.slice(30), { fin: true });
    await vi.waitFor(() => expect(tally.report().deliveries).toBe(1));

    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(4008, "slow consumer");
    expect(await closed).toBe(4008);
    await vi.waitFor(() => expect(tally.report().disconnects).toBe(1));
    expect(tally.report().sample).toMatchObject({ checked: 1, scanMismatches: 0 });
  });
});
