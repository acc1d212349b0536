/**
 * The Socket.IO and engine.io internals src/engine/ relies on, checked without Redis. Each package is
 * pinned to an exact version in package.json; when an upgrade changes one of these, this file fails
 * and says which, before anything subtle breaks in production.
 *
 * Who uses what:
 * - socket.io-adapter `_encode` with a pre-framed WebSocket frame, socket.io `Client.writeToEngine`
 *   (pre-encoded.ts);
 * - engine.io `Socket.flush` / `writeBuffer` (write-coalescing.ts, client-queue-limit.ts);
 * - engine.io `Socket.request`, `cleanupFn`, the WebSocketResponse's "close" listener on the TCP
 *   socket, the transport's "headers" listener and `onUpgradeError`; socket.io `Socket.acks`,
 *   `fns`, `_anyListeners` and the handshake's fields (lean-connections.ts);
 * - socket.io-parser `Decoder.opts` (read-only: `reviver`, `maxAttachments`) and component-emitter's
 *   `_callbacks["$" + event]` (lean-parser.ts);
 * - engine.io's `wsEngine` contract (websocket/): covered end to end by websocket/engine-io.test.ts;
 * - engine.io `Socket.upgrading` / `writeBuffer` / `readyState`, the WebSocket transport's
 *   `writable` and `socket._socket`, `ws`'s Sender `_state` (0 = DEFAULT) and `_queue`
 *   (shared-frame.ts: when a frame may be written straight to the TCP socket).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { Server } from "socket.io";
import { Adapter } from "socket.io-adapter";
import { io as connect } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { expectPinned, fakeNamespace, libraryFile, loadLibraryFile } from "../../test/support/library-internals.js";
import { UPGRADE_RESPONSE_CLOSE_LISTENER } from "./lean-connections.js";
import { LeanWebSocketServer } from "./websocket/lean-websocket-server.js";

describe("pinned library internals of src/engine/", () => {
  it("pins every package whose internals are used to the exact installed version", () => {
    expectPinned(["socket.io", "socket.io-adapter", "socket.io-parser", "engine.io", "ws"]);
  });

  it("socket.io-adapter: encode once, with a pre-framed WebSocket frame", () => {
    const adapter = new Adapter(fakeNamespace() as never) as unknown as { _encode(packet: unknown, opts: Record<string, unknown>): unknown[] };
    const opts: Record<string, unknown> = { preEncoded: true };
    const packets = adapter._encode({ type: 2, data: ["chat:message", { a: 1 }], nsp: "/" }, opts);
    expect(packets).toHaveLength(1);
    // ws's Sender.frame(): [header, payload], written as is by engine.io's WebSocket transport.
    expect(Array.isArray(opts.wsPreEncodedFrame)).toBe(true);
  });

  it("socket.io: a client queues pre-encoded packets with writeToEngine", () => {
    const { Client } = loadLibraryFile<{ Client: { prototype: Record<string, unknown> } }>("socket.io", "client.js");
    expect(typeof Client.prototype.writeToEngine).toBe("function");
    const writes: unknown[][] = [];
    const client = Object.create(Client.prototype) as { conn: unknown; writeToEngine(p: unknown[], o: object): void };
    client.conn = { transport: { writable: true }, write: (...args: unknown[]) => writes.push(args) };
    client.writeToEngine(["2[\"x\"]"], { preEncoded: true });
    expect(writes).toEqual([["2[\"x\"]", { preEncoded: true }]]);
  });

  it("engine.io: a connection flushes its writeBuffer through flush()", () => {
    const { Socket } = loadLibraryFile<{ Socket: { prototype: Record<string, unknown> } }>("engine.io", "socket.js");
    expect(typeof Socket.prototype.flush).toBe("function");
    expect(typeof Socket.prototype.sendPacket).toBe("function");
  });

  it.each([
    ["ws", undefined],
    ["lean", LeanWebSocketServer],
  ])("engine.io and socket.io per-connection internals that lean-connections.ts releases (%s engine)", async (_name, wsEngine) => {
    const http = createServer();
    const io = new Server(http, { serveClient: false, ...(wsEngine ? { wsEngine } : {}) });
    const seen = new Promise<Record<string, unknown>>((resolve) => {
      io.on("connection", (socket) => {
        socket.onAny(() => {});
        const conn = socket.conn as unknown as {
          request: unknown;
          cleanupFn: unknown[];
          transport: { listeners(e: string): unknown[]; socket: { _socket: NetSocket; listeners(e: string): { name: string }[] } };
        };
        const tcp = conn.transport.socket._socket;
        const s = socket as unknown as { acks: unknown; fns: unknown; _anyListeners: unknown[] };
        resolve({
          request: conn.request?.constructor.name,
          cleanupFn: conn.cleanupFn.length,
          responseCloseListeners: tcp
            .rawListeners("close")
            .filter((l) => String((l as { listener?: unknown }).listener ?? l) === UPGRADE_RESPONSE_CLOSE_LISTENER).length,
          headersListeners: conn.transport.listeners("headers").length,
          onUpgradeError: conn.transport.socket.listeners("error").filter((f) => f.name === "onUpgradeError").length,
          acks: s.acks instanceof Map,
          fns: Array.isArray(s.fns),
          anyListeners: s._anyListeners.length,
          handshake: Object.keys(socket.handshake).sort(),
        });
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ["websocket"], forceNew: true, reconnection: false });
    try {
      expect(await seen).toEqual({
        request: "IncomingMessage",
        cleanupFn: 1,
        responseCloseListeners: 1,
        headersListeners: 1,
        onUpgradeError: 1,
        acks: true,
        fns: true,
        anyListeners: 1,
        handshake: ["address", "auth", "headers", "issued", "query", "secure", "time", "url", "xdomain"],
      });
    } finally {
      client.close();
      await new Promise<void>((r) => io.close(() => r()));
    }
  });

  it("engine.io's WebSocket transport: writable false only while a send is handed to the socket", () => {
    const transport = readFileSync(libraryFile("engine.io", "transports/websocket.js"), "utf8");
    expect(transport).toMatch(/send\(packets\) \{\s*this\.writable = false;/);
    expect(transport).toMatch(/this\._onSentLast = \(err\) => \{[^}]*\}\s*else \{\s*this\.emit\("drain"\);\s*this\.writable = true;/);
    const socket = readFileSync(libraryFile("engine.io", "socket.js"), "utf8");
    // flush() sends only when the transport is writable, and empties writeBuffer as it does.
    expect(socket).toMatch(/this\.transport\.writable &&\s*this\.writeBuffer\.length\)/);
    expect(socket).toMatch(/this\.upgrading = true;/);
  });

  it("ws: the Sender holds frames back only outside its DEFAULT (0) state, in _queue, and writes to _socket", () => {
    const sender = readFileSync(libraryFile("ws", "lib/sender.js"), "utf8");
    expect(sender).toMatch(/const DEFAULT = 0;/);
    expect(sender).toMatch(/this\._queue = \[\];\s*this\._state = DEFAULT;/);
    expect(sender).toMatch(/sendFrame\(list, cb\) \{[\s\S]{0,80}this\._socket\.cork\(\);/);
  });

  it.each([
    ["ws", undefined],
    ["lean", LeanWebSocketServer],
  ])("engine.io and the WebSocket per-connection fields that shared-frame.ts reads (%s engine)", async (name, wsEngine) => {
    const http = createServer();
    const io = new Server(http, { serveClient: false, ...(wsEngine ? { wsEngine } : {}) });
    const seen = new Promise<Record<string, unknown>>((resolve) => {
      io.on("connection", (socket) => {
        const conn = socket.conn as unknown as {
          upgrading: unknown;
          readyState: unknown;
          writeBuffer: unknown;
          transport: { name: string; writable: unknown; socket: { readyState: unknown; _socket: unknown; _sender: { _state?: unknown; _queue?: unknown } } };
        };
        const ws = conn.transport.socket;
        // Read once the handshake's own packets have been handed to the socket (writable again).
        setTimeout(() => resolve({
          upgrading: conn.upgrading,
          readyState: conn.readyState,
          writeBuffer: Array.isArray(conn.writeBuffer),
          writable: conn.transport.writable,
          wsReadyState: ws.readyState,
          tcp: ws._socket?.constructor.name,
          sender: ws._sender === (ws as unknown) ? "itself" : { state: ws._sender._state, queue: ws._sender._queue },
        }), 50);
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ["websocket"], forceNew: true, reconnection: false });
    try {
      expect(await seen).toEqual({
        upgrading: false,
        readyState: "open",
        writeBuffer: true,
        writable: true,
        wsReadyState: 1,
        tcp: "Socket",
        sender: name === "ws" ? { state: 0, queue: [] } : "itself",
      });
    } finally {
      client.close();
      await new Promise<void>((r) => io.close(() => r()));
    }
  });

  it("socket.io-parser: the Decoder only reads opts.reviver and opts.maxAttachments; listeners live in _callbacks['$' + event]", () => {
    const decoder = readFileSync(libraryFile("socket.io-parser", "index.js"), "utf8");
    expect([...new Set([...decoder.matchAll(/this\.opts\.(\w+)/g)].map((m) => m[1]))].sort()).toEqual(["maxAttachments", "reviver"]);
    // Assigned once (the constructor), never written into.
    expect(decoder.match(/this\.opts\s*=[^=]/g)).toHaveLength(1);
    expect(decoder).not.toMatch(/this\.opts(\[|\.\w+\s*=[^=])/);
    const emitter = readFileSync(libraryFile("@socket.io/component-emitter", "index.js"), "utf8");
    expect(emitter).toMatch(/Emitter\.prototype\.emitReserved = Emitter\.prototype\.emit;/);
    expect(emitter).toMatch(/callbacks = this\._callbacks\['\$' \+ event\]/);
  });
});
