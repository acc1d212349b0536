/**
 * The library internals this server relies on, checked without Redis. Each of these packages is
 * pinned to an exact version in package.json; when an upgrade changes one of these, this file
 * fails and says which, before anything subtle breaks in production.
 *
 * Who uses what:
 * - socket.io-adapter `Adapter`: `rooms`, `sids` (only these methods read a socket's entry:
 *   chat-rooms.ts replaces them to store one room as its name), `computeExceptSids`, `_del`,
 *   `apply` finding every socket by the keys of `sids` (chat-rooms.ts), `_encode` (delivery/room-feed.ts);
 * - socket.io `Client.writeToEngine` (delivery/room-feed.ts);
 * - @socket.io/redis-adapter sharded adapter: `opts`, `dynamicChannel`, `onRawMessage` looked up
 *   on the instance by the subscription handler, `doPublish`, the "create-room" listener
 *   (sharded-adapter.ts);
 * - engine.io `Socket.flush` / `writeBuffer` (http/write-coalescing.ts);
 * - engine.io `Socket.request`, `cleanupFn`, the WebSocketResponse's "close" listener on the TCP
 *   socket, the transport's "headers" listener and `onUpgradeError`; socket.io `Socket.acks`,
 *   `fns`, `_anyListeners` and the handshake's fields (http/lean-connections.ts);
 * - socket.io-parser `Decoder.opts` (read-only: `reviver`, `maxAttachments`) and component-emitter's
 *   `_callbacks["$" + event]` (http/lean-parser.ts);
 * - engine.io's `wsEngine` contract (websocket/): covered end to end by src/websocket/engine-io.test.ts;
 * - node-redis cluster `_slots.rediscover` (redis/redis-clients.ts).
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { readFileSync } from "node:fs";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createCluster } from "redis";
import { Server } from "socket.io";
import { Adapter } from "socket.io-adapter";
import { io as connect } from "socket.io-client";
import { UPGRADE_RESPONSE_CLOSE_LISTENER } from "../http/lean-connections.js";
import { LeanWebSocketServer } from "../websocket/lean-websocket-server.js";
import { describe, expect, it } from "vitest";
import { roomChannel } from "../delivery/room-channel.js";
import { EntryBus } from "../delivery/entry-bus.js";
import { createChatShardedAdapter, type ShardedInternals } from "./sharded-adapter.js";

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };

const PINNED = ["socket.io", "socket.io-adapter", "socket.io-parser", "@socket.io/redis-adapter", "engine.io", "ws", "redis"] as const;

function installedVersion(name: string): string {
  // Resolve the package's own package.json next to its entry point (exports may hide it).
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
  return (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;
}

/** A module file beside the package's entry point (its `exports` map hides internals from `require`). */
function sibling(name: string, file: string): string {
  const entry = require.resolve(name);
  return `${entry.slice(0, entry.lastIndexOf("/") + 1)}${file}`;
}

function fakeNamespace() {
  return { name: "/", sockets: new Map(), server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] } } };
}

describe("pinned library internals", () => {
  it("pins every package whose internals are used to the exact installed version", () => {
    for (const name of PINNED) {
      expect(pkg.dependencies[name], `${name} must be pinned to an exact version`).toMatch(/^\d+\.\d+\.\d+$/);
      expect(installedVersion(name), `${name} installed`).toBe(pkg.dependencies[name]);
    }
  });

  it("socket.io-adapter: room maps, except expansion, and encode-once with a pre-framed WebSocket frame", () => {
    const adapter = new Adapter(fakeNamespace() as never) as unknown as {
      rooms: Map<string, Set<string>>;
      sids: Map<string, Set<string>>;
      computeExceptSids(except?: Set<string>): Set<string>;
      addAll(id: string, rooms: Set<string>): void;
      _encode(packet: unknown, opts: Record<string, unknown>): unknown[];
    };
    adapter.addAll("s1", new Set(["r1"]));
    expect(adapter.rooms.get("r1")).toEqual(new Set(["s1"]));
    expect(adapter.sids.get("s1")).toEqual(new Set(["r1"]));
    expect(adapter.computeExceptSids(new Set(["r1"]))).toEqual(new Set(["s1"]));
    const opts: Record<string, unknown> = { preEncoded: true };
    const packets = adapter._encode({ type: 2, data: ["chat:message", { a: 1 }], nsp: "/" }, opts);
    expect(packets).toHaveLength(1);
    // ws's Sender.frame(): [header, payload], written as is by engine.io's WebSocket transport.
    expect(Array.isArray(opts.wsPreEncodedFrame)).toBe(true);
  });

  it("socket.io-adapter: a socket's room entry is read only by addAll, del, delAll and socketRooms; _del leaves one room", () => {
    // chat-rooms.ts stores a one-room socket's entry as the room's name. Any other method that
    // dereferences an entry (beyond has/keys) would break on that: list them all here.
    const source = readFileSync(sibling("socket.io-adapter", "in-memory-adapter.js"), "utf8");
    const readers = [...source.matchAll(/^ {4}(\w+)\([^)]*\) \{$([\s\S]*?)^ {4}\}$/gm)]
      .filter(([, , body]) => /this\.sids\.get\(/.test(body!))
      .map(([, name]) => name)
      .sort();
    expect(readers).toEqual(["addAll", "del", "delAll", "socketRooms"]);
    expect(source).toMatch(/for \(const \[id\] of this\.sids\)/);
    for (const [pkg, file] of [["socket.io-adapter", "cluster-adapter.js"], ["@socket.io/redis-adapter", "sharded-adapter.js"]] as const) {
      expect(readFileSync(sibling(pkg, file), "utf8"), `${pkg}/${file}`).not.toMatch(/sids\.get\(|sids\.forEach|sids\.values\(/);
    }
    const adapter = new Adapter(fakeNamespace() as never) as unknown as { _del(room: string, id: string): void; addAll(id: string, r: Set<string>): void; rooms: Map<string, Set<string>> };
    const left: string[] = [];
    (adapter as unknown as Adapter).on("leave-room", (room: string, id: string) => left.push(`${room}:${id}`));
    adapter.addAll("s1", new Set(["r1"]));
    adapter._del("r1", "s1");
    expect([left, adapter.rooms.size]).toEqual([["r1:s1"], 0]);
  });

  it("socket.io: a client queues pre-encoded packets with writeToEngine", () => {
    const { Client } = require(sibling("socket.io", "client.js")) as { Client: { prototype: Record<string, unknown> } };
    expect(typeof Client.prototype.writeToEngine).toBe("function");
    const writes: unknown[][] = [];
    const client = Object.create(Client.prototype) as { conn: unknown; writeToEngine(p: unknown[], o: object): void };
    client.conn = { transport: { writable: true }, write: (...args: unknown[]) => writes.push(args) };
    client.writeToEngine(["2[\"x\"]"], { preEncoded: true });
    expect(writes).toEqual([["2[\"x\"]", { preEncoded: true }]]);
  });

  it("engine.io: a connection flushes its writeBuffer through flush()", () => {
    const { Socket } = require(sibling("engine.io", "socket.js")) as { Socket: { prototype: Record<string, unknown> } };
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

  it("socket.io-parser: the Decoder only reads opts.reviver and opts.maxAttachments; listeners live in _callbacks['$' + event]", () => {
    const decoder = readFileSync(sibling("socket.io-parser", "index.js"), "utf8");
    expect([...new Set([...decoder.matchAll(/this\.opts\.(\w+)/g)].map((m) => m[1]))].sort()).toEqual(["maxAttachments", "reviver"]);
    // Assigned once (the constructor), never written into.
    expect(decoder.match(/this\.opts\s*=[^=]/g)).toHaveLength(1);
    expect(decoder).not.toMatch(/this\.opts(\[|\.\w+\s*=[^=])/);
    const emitter = readFileSync(sibling("@socket.io/component-emitter", "index.js"), "utf8");
    expect(emitter).toMatch(/Emitter\.prototype\.emitReserved = Emitter\.prototype\.emit;/);
    expect(emitter).toMatch(/callbacks = this\._callbacks\['\$' \+ event\]/);
  });

  it("@socket.io/redis-adapter: dynamic-private channels, instance-looked-up onRawMessage, one create-room listener", async () => {
    const subscribed = new Map<string, (message: Buffer, channel: Buffer) => void>();
    const sub = {
      sSubscribe: async (channel: string, listener: (m: Buffer, c: Buffer) => void) => void subscribed.set(channel, listener),
      sUnsubscribe: async () => undefined,
    };
    // Delivers to the subscriber like Redis: the patched adapter proves a subscription with a probe.
    const pub = { sPublish: async (channel: string, message: string) => (subscribed.get(channel)?.(Buffer.from(message), Buffer.from(channel)), 1) };
    const stock = createShardedAdapter(pub, sub, { subscriptionMode: "dynamic-private" })(fakeNamespace()) as unknown as ShardedInternals &
      Adapter;
    expect(stock.opts.subscriptionMode).toBe("dynamic-private");
    expect(stock.dynamicChannel("lobby")).toBe(roomChannel("lobby"));
    expect(typeof stock.doPublish).toBe("function");
    expect(stock.listeners("create-room")).toHaveLength(1);
    // The constructor's namespace-channel handler calls `this.onRawMessage`, so an own property wins.
    const seen: string[] = [];
    stock.onRawMessage = (m: Buffer) => void seen.push(m.toString());
    subscribed.get("socket.io#/#")!(Buffer.from("x"), Buffer.from("socket.io#/#"));
    expect(seen).toEqual(["x"]);

    // And our factory's patched adapter: room entries reach the bus, others the stock decoder.
    const bus = new EntryBus();
    const got: string[] = [];
    bus.listen((room, entries) => got.push(`${room}:${entries.map((e) => e.text).join(",")}`));
    const ours = createChatShardedAdapter(pub, sub, { bus })(fakeNamespace()) as unknown as Adapter & { whenSubscribed(r: string): Promise<void> };
    await ours.addAll("s1", new Set(["lobby"]));
    await ours.whenSubscribed("lobby");
    const payload = `!{"r":"lobby","e":[["1700000000000-0","","s9","chat",{"t":"hi","u":{"id":"u","name":"U","role":"viewer"}}]]}`;
    subscribed.get(roomChannel("lobby"))!(Buffer.from(payload), Buffer.from(roomChannel("lobby")));
    expect(got).toEqual(["lobby:hi"]);
  });

  it("node-redis: the cluster client exposes its slot map and a rediscover", () => {
    const cluster = createCluster({ rootNodes: [{ url: "redis://127.0.0.1:1" }] }) as unknown as {
      _slots: { rediscover: unknown };
      slots: unknown[];
      masters: unknown[];
      nodeClient: unknown;
    };
    expect(typeof cluster._slots.rediscover).toBe("function");
    expect(Array.isArray(cluster.slots)).toBe(true);
    expect(Array.isArray(cluster.masters)).toBe(true);
    expect(typeof cluster.nodeClient).toBe("function");
  });
});
