/**
 * RFC 6455 behaviour of the lean WebSocket engine, checked at the byte level (test/support/raw-websocket.ts)
 * and with the `ws` client, which rejects anything a conforming server must not send. Every
 * behaviour test runs against `ws`'s own server too: the lean engine must answer as `ws` does.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { Opcode } from "./frames.js";
import { LeanWebSocket } from "./lean-websocket.js";
import { LeanWebSocketServer, type LeanWebSocketServerOptions } from "./lean-websocket-server.js";
import { clientFrame, closeBody, rawUpgrade, type RawWebSocket } from "../../../test/support/raw-websocket.js";

type AnyWebSocket = Pick<LeanWebSocket, "on" | "once" | "removeListener" | "send" | "close" | "readyState" | "_sender">;

interface Engine {
  handleUpgrade(req: unknown, socket: NetSocket, head: Buffer, cb: (ws: AnyWebSocket) => void): void;
  on(event: "headers", fn: (headers: string[]) => void): unknown;
  close(cb?: () => void): void;
}

const ENGINES: [string, new (options: LeanWebSocketServerOptions) => Engine][] = [
  ["lean", LeanWebSocketServer as never],
  ["ws", class extends WebSocketServer {
    constructor(options: LeanWebSocketServerOptions) {
      super({ noServer: true, clientTracking: false, perMessageDeflate: false, ...options } as never);
    }
  } as never],
];

interface Conn {
  ws: AnyWebSocket;
  socket: NetSocket;
  messages: { data: Buffer; binary: boolean }[];
  errors: (Error & { code?: string; statusCode?: number })[];
  /** Resolves with the close event's code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

interface Harness {
  port: number;
  wss: Engine;
  /** The next connection the server accepts. */
  accepted(): Promise<Conn>;
}

const servers: HttpServer[] = [];
const clients: { close(): void }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

let Engine: (typeof ENGINES)[number][1] = LeanWebSocketServer as never;

/** A server that echoes every message (same type) unless `echo` is false. */
async function start(options: LeanWebSocketServerOptions = {}, echo = true): Promise<Harness> {
  const wss = new Engine({ maxPayload: 1024, ...options });
  const http = createServer();
  const queue: Conn[] = [];
  const waiters: ((c: Conn) => void)[] = [];
  http.on("upgrade", (req, socket: NetSocket, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, socket, messages: [], errors: [], closed: undefined as never };
      conn.closed = new Promise((resolve) => ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
      ws.on("message", (data: Buffer, binary: boolean) => {
        conn.messages.push({ data, binary });
        if (echo) ws.send(binary ? data : data.toString());
      });
      ws.on("error", (err: Error) => conn.errors.push(err));
      const w = waiters.shift();
      if (w) w(conn);
      else queue.push(conn);
    });
  });
  servers.push(http);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    port: (http.address() as AddressInfo).port,
    wss,
    accepted: () => {
      const c = queue.shift();
      return c ? Promise.resolve(c) : new Promise((r) => waiters.push(r));
    },
  };
}

async function raw(h: Harness): Promise<{ client: RawWebSocket; conn: Conn }> {
  const [res, conn] = await Promise.all([rawUpgrade(h.port), h.accepted()]);
  expect(res.status).toBe(101);
  clients.push({ close: () => res.ws!.socket.destroy() });
  return { client: res.ws!, conn };
}

function wsClient(h: Harness, protocols?: string[]): Promise<WebSocket> {
  const c = new WebSocket(`ws://127.0.0.1:${h.port}/`, protocols);
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once("open", () => resolve(c));
    c.once("error", reject);
  });
}

function nextMessage(c: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => c.once("message", (data: Buffer, binary: boolean) => resolve({ data, binary })));
}

/** The frames a protocol violation must produce: a close frame with `code`, then the end of the TCP connection. */
async function expectClosedWith(client: RawWebSocket, conn: Conn, code: number, wsCode: string): Promise<void> {
  const frame = await client.next();
  expect(frame?.opcode).toBe(Opcode.Close);
  expect(frame!.payload.readUInt16BE(0)).toBe(code);
  await client.closed;
  expect((await conn.closed).code).toBe(1006);
  expect(conn.errors.map((e) => e.code)).toEqual([wsCode]);
}

describe.each(ENGINES)("%s engine", (_name, engine) => {
  beforeEach(() => {
    Engine = engine;
  });

  describe("opening handshake", () => {
    it("accepts a valid upgrade with the RFC's Sec-WebSocket-Accept, the first offered subprotocol and no extension", async () => {
      const h = await start();
      const res = await rawUpgrade(h.port, {
        headers: { "Sec-WebSocket-Protocol": "chat, superchat", "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" },
      });
      clients.push({ close: () => res.ws?.socket.destroy() });
      expect(res.status).toBe(101);
      // RFC 6455 section 1.3's example key and answer.
      expect(res.headers["sec-websocket-accept"]).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      expect(res.headers["sec-websocket-protocol"]).toBe("chat");
      expect(res.headers["sec-websocket-extensions"]).toBeUndefined();
      expect(res.headers.upgrade).toBe("websocket");
    });

    it("lets a 'headers' listener add response headers (engine.io's cookie and headers hooks)", async () => {
      const h = await start();
      h.wss.on("headers", (headers: string[]) => headers.push("X-Test: yes"));
      const res = await rawUpgrade(h.port);
      clients.push({ close: () => res.ws?.socket.destroy() });
      expect(res.headers["x-test"]).toBe("yes");
    });

    it.each([
      ["a method other than GET", { method: "POST" }, 405, "Invalid HTTP method"],
      ["an Upgrade to another protocol", { headers: { Upgrade: "h2c" } }, 400, "Invalid Upgrade header"],
      ["a malformed key", { headers: { "Sec-WebSocket-Key": "short" } }, 400, "Missing or invalid Sec-WebSocket-Key header"],
      ["another version", { headers: { "Sec-WebSocket-Version": "12" } }, 400, "Missing or invalid Sec-WebSocket-Version header"],
      ["a repeated subprotocol", { headers: { "Sec-WebSocket-Protocol": "a, a" } }, 400, "Invalid Sec-WebSocket-Protocol header"],
    ])("refuses %s like ws does", async (_name, request, status, body) => {
      const h = await start();
      const res = await rawUpgrade(h.port, request);
      expect([res.status, res.body]).toEqual([status, body]);
      if (status === 400 && body.includes("Version")) expect(res.headers["sec-websocket-version"]).toBe("13, 8");
    });

    it("answers 503 once closed", async () => {
      const h = await start();
      await new Promise<void>((r) => h.wss.close(() => r()));
      expect((await rawUpgrade(h.port)).status).toBe(503);
    });

  });

  describe("messages", () => {
    it("round-trips text and binary of every length encoding with the ws client", async () => {
      const h = await start({ maxPayload: 200_000 });
      const c = await wsClient(h);
      for (const n of [0, 1, 125, 126, 65_535, 65_536, 150_000]) {
        const text = "é".repeat(Math.floor(n / 2)) + (n % 2 ? "x" : "");
        const got = nextMessage(c);
        c.send(text);
        expect(await got).toEqual({ data: Buffer.from(text), binary: false });
        const bytes = Buffer.alloc(n, n % 251);
        const gotBin = nextMessage(c);
        c.send(bytes);
        expect(await gotBin).toEqual({ data: bytes, binary: true });
      }
    });

    it("assembles fragments, answering a ping sent between them", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.send(Opcode.Text, "hel", { fin: false });
      client.send(Opcode.Ping, "are you there");
      client.send(Opcode.Continuation, "lo ", { fin: false });
      client.send(Opcode.Continuation, "wörld");
      const pong = await client.next();
      expect([pong?.opcode, pong?.payload.toString(), pong?.masked]).toEqual([Opcode.Pong, "are you there", false]);
      client.send(Opcode.Pong, "unsolicited");
      client.send(Opcode.Binary, Buffer.from([1, 2, 3]));
      await until(() => conn.messages.length === 2);
      expect(conn.messages.map((m) => [m.data.toString("hex"), m.binary])).toEqual([
        [Buffer.from("hello wörld").toString("hex"), false],
        ["010203", true],
      ]);
    });

    it("parses frames however the bytes are split across reads", async () => {
      const h = await start({ maxPayload: 100_000 }, false);
      const { conn } = await raw(h);
      const wire = Buffer.concat([
        clientFrame(Opcode.Text, "a".repeat(300)),
        clientFrame(Opcode.Binary, Buffer.alloc(70_000, 7), { fin: false }),
        clientFrame(Opcode.Continuation, Buffer.alloc(10, 8)),
        clientFrame(Opcode.Text, "z"),
      ]);
      // Deterministic chunking: feed the server's socket directly, one to 997 bytes at a time.
      let at = 0;
      for (let i = 0; at < wire.length; i++) {
        const n = [1, 2, 3, 7, 13, 997][i % 6]!;
        conn.socket.emit("data", wire.subarray(at, at + n));
        at += n;
      }
      expect(conn.messages.map((m) => [m.data.length, m.binary])).toEqual([
        [300, false],
        [70_010, true],
        [1, false],
      ]);
      expect(conn.messages[1]!.data.subarray(69_995).toString("hex")).toBe("07".repeat(5) + "08".repeat(10));
    });

    it("sends frames pre-encoded with ws's Sender.frame (engine.io's broadcast path)", async () => {
      const h = await start();
      const c = await wsClient(h);
      const { ws } = await h.accepted();
      // socket.io-adapter loads ws with require() and uses its Sender.frame().
      const { Sender } = createRequire(import.meta.url)("ws") as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
      const frame = Sender.frame(Buffer.from("42[\"m\",1]"), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
      const got = nextMessage(c);
      const sent = new Promise<unknown>((r) => ws._sender.sendFrame(frame, r));
      expect((await got).data.toString()).toBe("42[\"m\",1]");
      expect(await sent).toBeFalsy();
    });
  });

  describe("protocol violations", () => {
    it.each([
      ["an unmasked frame", clientFrame(Opcode.Text, "x", { mask: false }), 1002, "WS_ERR_EXPECTED_MASK"],
      ["RSV1 without an extension", clientFrame(Opcode.Text, "x", { rsv: 4 }), 1002, "WS_ERR_UNEXPECTED_RSV_1"],
      ["RSV2", clientFrame(Opcode.Text, "x", { rsv: 2 }), 1002, "WS_ERR_UNEXPECTED_RSV_2_3"],
      ["a reserved opcode", clientFrame(0x3, "x"), 1002, "WS_ERR_INVALID_OPCODE"],
      ["a continuation with nothing to continue", clientFrame(Opcode.Continuation, "x"), 1002, "WS_ERR_INVALID_OPCODE"],
      ["a new message inside a fragmented one", Buffer.concat([clientFrame(Opcode.Text, "a", { fin: false }), clientFrame(Opcode.Text, "b")]), 1002, "WS_ERR_INVALID_OPCODE"],
      ["a fragmented ping", clientFrame(Opcode.Ping, "x", { fin: false }), 1002, "WS_ERR_EXPECTED_FIN"],
      ["a ping over 125 bytes", clientFrame(Opcode.Ping, Buffer.alloc(126)), 1002, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"],
      ["a close frame of one byte", clientFrame(Opcode.Close, Buffer.from([3])), 1002, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"],
      ["a close code that must not be sent", clientFrame(Opcode.Close, closeBody(1005)), 1002, "WS_ERR_INVALID_CLOSE_CODE"],
      ["a close code out of range", clientFrame(Opcode.Close, closeBody(999)), 1002, "WS_ERR_INVALID_CLOSE_CODE"],
      ["invalid UTF-8 in a text message", clientFrame(Opcode.Text, Buffer.from([0xc3, 0x28])), 1007, "WS_ERR_INVALID_UTF8"],
      ["invalid UTF-8 across fragments", Buffer.concat([clientFrame(Opcode.Text, Buffer.from([0xe2, 0x82]), { fin: false }), clientFrame(Opcode.Continuation, Buffer.from([0x28]))]), 1007, "WS_ERR_INVALID_UTF8"],
      ["invalid UTF-8 in a close reason", clientFrame(Opcode.Close, Buffer.concat([closeBody(1000), Buffer.from([0xff])])), 1007, "WS_ERR_INVALID_UTF8"],
      ["a length over 2^53 - 1", Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 1009, "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH"],
      ["a frame over maxPayload", clientFrame(Opcode.Binary, Buffer.alloc(1025)), 1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"],
      ["fragments summing over maxPayload", Buffer.concat([clientFrame(Opcode.Binary, Buffer.alloc(600), { fin: false }), clientFrame(Opcode.Continuation, Buffer.alloc(425))]), 1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"],
    ])("closes on %s", async (_name, wire, code, wsCode) => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.socket.write(wire);
      await expectClosedWith(client, conn, code, wsCode);
      expect(conn.messages).toEqual([]);
    });

    it("refuses an oversized frame from its header alone, before its payload arrives", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.socket.write(clientFrame(Opcode.Binary, Buffer.alloc(5_000_000)).subarray(0, 20));
      await expectClosedWith(client, conn, 1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH");
    });

    it("accepts a message of exactly maxPayload bytes", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.send(Opcode.Binary, Buffer.alloc(1024, 1));
      await until(() => conn.messages.length === 1);
      expect(conn.errors).toEqual([]);
    });
  });

  describe("closing", () => {
    it("echoes the peer's close code and reason, reports them, and ends the TCP connection", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.send(Opcode.Close, closeBody(4001, "bye"));
      client.send(Opcode.Text, "after close: ignored");
      const echo = await client.next();
      expect([echo?.opcode, echo?.payload.readUInt16BE(0), echo?.payload.subarray(2).toString()]).toEqual([Opcode.Close, 4001, "bye"]);
      await client.closed;
      expect(await conn.closed).toEqual({ code: 4001, reason: "bye" });
      expect(conn.messages).toEqual([]);
      expect(conn.ws.readyState).toBe(LeanWebSocket.CLOSED);
    });

    it("answers an empty close frame with an empty one and reports 1005", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.send(Opcode.Close);
      expect((await client.next())?.payload.length).toBe(0);
      expect((await conn.closed).code).toBe(1005);
    });

    it("close() sends an empty close frame; the ws client answers and both ends close cleanly", async () => {
      const h = await start();
      const c = await wsClient(h);
      const conn = await h.accepted();
      const clientClosed = new Promise<number>((r) => c.once("close", (code: number) => r(code)));
      conn.ws.close();
      expect(conn.ws.readyState).toBe(LeanWebSocket.CLOSING);
      expect(await clientClosed).toBe(1005);
      expect((await conn.closed).code).toBe(1005);
    });

    it("close(code, reason) reaches the ws client", async () => {
      const h = await start();
      const c = await wsClient(h);
      const conn = await h.accepted();
      const clientClosed = new Promise<[number, string]>((r) => c.once("close", (code: number, reason: Buffer) => r([code, reason.toString()])));
      conn.ws.close(4321, "drained");
      expect(await clientClosed).toEqual([4321, "drained"]);
    });

    it("destroys a connection whose peer never answers the close frame, after closeTimeout", async () => {
      const h = await start({ closeTimeout: 200 }, false);
      const { client, conn } = await raw(h);
      const started = Date.now();
      conn.ws.close(1000);
      expect((await client.next())?.opcode).toBe(Opcode.Close);
      await client.closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect((await conn.closed).code).toBe(1006);
    });

    it("reports 1006 when the TCP connection drops without a close frame", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      client.socket.destroy();
      expect(await conn.closed).toEqual({ code: 1006, reason: "" });
    });

    it("a send after close calls back with an error and writes nothing", async () => {
      const h = await start({}, false);
      const { client, conn } = await raw(h);
      conn.ws.close();
      const err = await new Promise<Error | null | undefined>((r) => conn.ws.send("late", r));
      expect(err?.message).toMatch(/not open: readyState 2/);
      expect((await client.next())?.opcode).toBe(Opcode.Close);
    });
  });

});

describe("lean engine only", () => {
  it("refuses to be built with permessage-deflate", () => {
    expect(() => new LeanWebSocketServer({ perMessageDeflate: { threshold: 0 } })).toThrow(/permessage-deflate/);
  });

  it("gives protocol errors the close code they were closed with", async () => {
    Engine = LeanWebSocketServer as never;
    const h = await start({}, false);
    const { client, conn } = await raw(h);
    client.send(Opcode.Text, "x", { mask: false });
    await conn.closed;
    expect(conn.errors.map((e) => [e.name, e.code, e.statusCode])).toEqual([["WebSocketProtocolError", "WS_ERR_EXPECTED_MASK", 1002]]);
  });

  it("supports on, once, removeListener (also of a once listener) and rejects other events", async () => {
    Engine = LeanWebSocketServer as never;
    const h = await start({}, false);
    const { client, conn } = await raw(h);
    const seen: string[] = [];
    const a = (d: Buffer) => seen.push(`a:${d}`);
    const b = (d: Buffer) => seen.push(`b:${d}`);
    conn.ws.on("message", a);
    conn.ws.once("message", b);
    client.send(Opcode.Text, "1");
    client.send(Opcode.Text, "2");
    await until(() => conn.messages.length === 2);
    conn.ws.removeListener("message", a);
    const c = (d: Buffer) => seen.push(`c:${d}`);
    conn.ws.once("message", c);
    conn.ws.removeListener("message", c);
    client.send(Opcode.Text, "3");
    await until(() => conn.messages.length === 3);
    expect(seen).toEqual(["a:1", "b:1", "a:2"]);
    expect(() => conn.ws.on("open" as never, a)).toThrow(TypeError);
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
