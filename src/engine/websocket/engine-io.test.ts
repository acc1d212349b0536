/**
 * The lean engine under engine.io and Socket.IO, with socket.io-client: what the chat needs from a
 * WebSocket engine, end to end (both transports and the upgrade, acks, binary, broadcasts sent as
 * pre-encoded frames, heartbeats, the payload limit, and every way a connection ends).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { LeanWebSocket } from "./lean-websocket.js";
import { LeanWebSocketServer } from "./lean-websocket-server.js";

let io: Server | undefined;
const clients: ClientSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await new Promise<void>((r) => (io ? io.close(() => r()) : r()));
  io = undefined;
});

async function start(): Promise<{ url: string; connections: Socket[]; next(): Promise<Socket> }> {
  const http = createServer();
  io = new Server(http, { wsEngine: LeanWebSocketServer, serveClient: false, pingInterval: 100, pingTimeout: 300, maxHttpBufferSize: 2_000 });
  const connections: Socket[] = [];
  const waiters: ((s: Socket) => void)[] = [];
  io.on("connection", (s) => {
    connections.push(s);
    s.on("echo", (payload: unknown, ack: (r: unknown) => void) => ack(payload));
    waiters.shift()?.(s);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    connections,
    next: () => new Promise((r) => waiters.push(r)),
  };
}

function client(url: string, transports: ("polling" | "websocket")[] = ["websocket"]): Promise<ClientSocket> {
  const c = connect(url, { transports, forceNew: true, reconnection: false });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once("connect", () => resolve(c));
    c.once("connect_error", reject);
  });
}

const disconnected = (s: Socket | ClientSocket) => new Promise<string>((r) => s.once("disconnect", (reason: string) => r(reason)));

it("carries acks and binary both ways over a websocket-only connection", async () => {
  const { url, next } = await start();
  const [c, s] = await Promise.all([client(url), next()]);
  expect((s.conn.transport as unknown as { socket: unknown }).socket).toBeInstanceOf(LeanWebSocket);
  expect(await c.timeout(2_000).emitWithAck("echo", { text: "héllo" })).toEqual({ text: "héllo" });
  const back = (await c.timeout(2_000).emitWithAck("echo", Buffer.from([0, 1, 254, 255]))) as Buffer;
  expect([...new Uint8Array(back)]).toEqual([0, 1, 254, 255]);
  const got = new Promise<ArrayBuffer>((r) => c.once("bin", r));
  s.emit("bin", Buffer.from("bytes"));
  expect(Buffer.from(await got).toString()).toBe("bytes");
});

it("upgrades a long-polling connection to the lean websocket", async () => {
  const { url, next } = await start();
  const [c, s] = await Promise.all([client(url, ["polling", "websocket"]), next()]);
  if (c.io.engine.transport.name !== "websocket") await new Promise((r) => c.io.engine.once("upgrade", r));
  if (s.conn.transport.name !== "websocket") await new Promise((r) => s.conn.once("upgrade", r));
  expect((s.conn.transport as unknown as { socket: unknown }).socket).toBeInstanceOf(LeanWebSocket);
  expect(await c.timeout(2_000).emitWithAck("echo", 42)).toBe(42);
});

it("delivers room broadcasts, which Socket.IO sends as frames encoded once", async () => {
  const { url, connections } = await start();
  const cs = await Promise.all([client(url), client(url), client(url)]);
  for (const s of connections) s.join("room");
  const got = cs.map((c) => new Promise((r) => c.once("news", r)));
  io!.to("room").emit("news", { n: 1 });
  expect(await Promise.all(got)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
});

it("stays connected over several heartbeats", async () => {
  const { url, next } = await start();
  const [c, s] = await Promise.all([client(url), next()]);
  // Four ping/pong rounds (the test server pings often), each one answered: the connection stays up.
  await new Promise<void>((resolve) => {
    let pongs = 0;
    s.conn.on("heartbeat", () => ++pongs === 4 && resolve());
  });
  expect(c.connected && s.connected).toBe(true);
});

it("drops a client that sends more than maxHttpBufferSize", async () => {
  const { url, next } = await start();
  const [c, s] = await Promise.all([client(url), next()]);
  const [serverReason, clientReason] = [disconnected(s), disconnected(c)];
  c.emit("echo", "x".repeat(3_000));
  expect(await serverReason).toBe("transport error");
  expect(await clientReason).toBe("transport close");
});

it("ends connections every way: server disconnect, client disconnect, server close", async () => {
  const { url, next } = await start();
  const [c1, s1] = await Promise.all([client(url), next()]);
  const r1 = disconnected(c1);
  s1.disconnect(true);
  expect(await r1).toBe("io server disconnect");

  const [c2, s2] = await Promise.all([client(url), next()]);
  const r2 = disconnected(s2);
  c2.disconnect();
  expect(await r2).toBe("client namespace disconnect");

  const [c3] = await Promise.all([client(url), next()]);
  const r3 = disconnected(c3);
  await new Promise<void>((r) => io!.close(() => r()));
  io = undefined;
  expect(await r3).toBe("transport close");
});
