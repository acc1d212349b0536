import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { Server, type Socket } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection } from "./engine-connection.js";
import { WriteCoalescer } from "./write-coalescing.js";

interface Setup {
  io: Server;
  url: string;
  coalescer: WriteCoalescer;
  sockets: Socket[];
}

async function start(tickMs: number): Promise<Setup> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const coalescer = new WriteCoalescer({ tickMs });
  io.engine.on("connection", (conn: EngineConnection) => coalescer.attach(conn));
  const sockets: Socket[] = [];
  io.on("connection", (s) => void sockets.push(s));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, coalescer, sockets };
}

function client(url: string, transport: "websocket" | "polling"): Promise<ClientSocket> {
  const c = connect(url, { transports: [transport], forceNew: true, reconnection: false, upgrade: false });
  return new Promise((resolve, reject) => {
    c.once("connect", () => resolve(c));
    c.once("connect_error", reject);
  });
}

/** Counts the write calls that reach the kernel (one per `_write`/`_writev`). */
function countWrites(raw: NetSocket): () => number {
  let n = 0;
  const target = raw as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = target._write.bind(raw);
  const writev = target._writev.bind(raw);
  target._write = (...a) => (n++, write(...a));
  target._writev = (...a) => (n++, writev(...a));
  return () => n;
}

function received(c: ClientSocket, count: number): Promise<number[]> {
  const seen: number[] = [];
  return new Promise((resolve) => {
    c.on("m", (i: number) => {
      seen.push(i);
      if (seen.length === count) resolve(seen);
    });
  });
}

describe("WriteCoalescer", () => {
  let setup: Setup | undefined;
  const clients: ClientSocket[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    setup?.coalescer.close();
    if (setup) await new Promise<void>((r) => setup!.io.close(() => r()));
    setup = undefined;
  });

  for (const [tickMs, writes] of [
    [20, 2],
    [0, 10],
  ] as const) {
    // With a tick: the first packet leads at once, the other nine share one write.
    it(`with tickMs ${tickMs}, sends 10 packets of one tick in ${writes} socket write(s), in order`, async () => {
      setup = await start(tickMs);
      const c = await client(setup.url, "websocket");
      clients.push(c);
      const server = setup.sockets[0]!;
      // Let the connect packets leave before counting.
      await new Promise((r) => setTimeout(r, 50));
      const conn = server.conn as unknown as EngineConnection;
      const writesSoFar = countWrites(conn.transport!.socket!._socket!);
      const all = received(c, 10);
      for (let i = 0; i < 10; i++) server.emit("m", i);
      expect(await all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(writesSoFar()).toBe(writes);
    });
  }

  it("still delivers over long-polling, where each response is one write anyway", async () => {
    setup = await start(20);
    const c = await client(setup.url, "polling");
    clients.push(c);
    const all = received(c, 5);
    for (let i = 0; i < 5; i++) setup.sockets[0]!.emit("m", i);
    expect(await all).toEqual([0, 1, 2, 3, 4]);
  });

  it("writes a packet at once when the connection has been quiet for a tick", async () => {
    setup = await start(20);
    const c = await client(setup.url, "websocket");
    clients.push(c);
    const server = setup.sockets[0]!;
    await new Promise((r) => setTimeout(r, 50));
    const conn = server.conn as unknown as EngineConnection;
    const writes = countWrites(conn.transport!.socket!._socket!);
    const got = received(c, 2);
    server.emit("m", 1);
    expect(writes()).toBe(1); // synchronously: no timer in between
    server.emit("m", 2);
    expect(writes()).toBe(1); // within the tick: waits for it
    expect(await got).toEqual([1, 2]);
    expect(writes()).toBe(2);
  });

  it("holds a packet no longer than about one tick", async () => {
    setup = await start(20);
    const c = await client(setup.url, "websocket");
    clients.push(c);
    const got = received(c, 1);
    const sent = Date.now();
    setup.sockets[0]!.emit("m", 1);
    await got;
    // Generous for a busy 2-core machine; without the timer it would never arrive.
    expect(Date.now() - sent).toBeLessThan(1_000);
  });
});
