/**
 * What the chat server releases per connection is really released (the garbage collector gets the
 * upgrade request), for a WebSocket connection and for one that upgrades from long-polling, and
 * what it shares stays usable.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Socket } from "socket.io";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient, join, type ChatClient } from "../../test/support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../../test/support/embedded-server.js";
import { compactEventTable } from "./lean-connections.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let srv: EmbeddedServer;
/** Every HTTP request engine.io saw, weakly: the test asks which ones are still alive. */
const requests: WeakRef<IncomingMessage>[] = [];
const sockets: Socket[] = [];
const clients: ChatClient[] = [];

beforeAll(async () => {
  srv = await startEmbedded();
  const io = srv.server.io;
  io.engine.on("initial_headers", (_headers: unknown, req: IncomingMessage) => void requests.push(new WeakRef(req)));
  io.engine.on("headers", (_headers: unknown, req: IncomingMessage) => void requests.push(new WeakRef(req)));
  io.on("connection", (s) => void sockets.push(s as never));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await srv.close();
});

async function alive(): Promise<number> {
  // Let pending callbacks that still hold a request finish, then collect.
  await new Promise((r) => setTimeout(r, 50));
  gc();
  gc();
  return requests.filter((r) => r.deref() !== undefined).length;
}

it("releases the upgrade request of a WebSocket connection and keeps the handshake's address", async () => {
  requests.length = 0;
  const c = await connectClient(srv.url);
  clients.push(c);
  expect((await join(c, "lean-ws")).ok).toBe(true);
  expect(requests.length).toBeGreaterThan(0);
  expect(await alive()).toBe(0);
  const s = sockets.at(-1)!;
  expect(s.handshake.address).toBe("127.0.0.1");
  expect(s.handshake.headers).toEqual({});
  expect(s.handshake.auth).toEqual({});
});

it("releases every request of a connection that upgrades from long-polling", async () => {
  requests.length = 0;
  const c = await connectClient(srv.url, { transports: ["polling", "websocket"] });
  clients.push(c);
  if (c.io.engine.transport.name !== "websocket") await new Promise((r) => c.io.engine.once("upgrade", r));
  expect((await join(c, "lean-polling")).ok).toBe(true);
  expect(requests.length).toBeGreaterThan(1);
  expect(await alive()).toBe(0);
});

it("shares one onAny list and one empty acks map between sockets; an ack to one socket fails loudly", async () => {
  const [a, b] = await Promise.all([connectClient(srv.url), connectClient(srv.url)]);
  clients.push(a, b);
  const [sa, sb] = sockets.slice(-2) as unknown as { _anyListeners: unknown[]; acks: unknown }[];
  expect(sa!._anyListeners).toBe(sb!._anyListeners);
  expect(sa!._anyListeners).toHaveLength(1);
  expect(sa!.acks).toBe(sb!.acks);
  expect(() => sockets.at(-1)!.emit("room:viewers" as never, { room: "x", count: 1 } as never, () => {})).toThrow(/acks are not supported/);
});

it("a compacted event table behaves as Node's own: emit, once, remove, error, inherited names", () => {
  const e = new EventEmitter();
  const seen: string[] = [];
  e.on("a", (x: string) => seen.push(`a1:${x}`));
  e.on("a", (x: string) => seen.push(`a2:${x}`));
  e.once("b", () => seen.push("b"));
  const c = () => seen.push("c");
  e.on("c", c);
  e.on(Symbol.for("s"), () => seen.push("sym"));
  compactEventTable(e);
  expect(e.eventNames()).toEqual(["a", "b", "c", Symbol.for("s")]);
  e.emit("a", "x");
  e.emit("b");
  e.emit("b");
  e.emit(Symbol.for("s"));
  e.removeListener("c", c);
  e.emit("c");
  e.on("d", () => seen.push("d"));
  e.emit("d");
  expect(seen).toEqual(["a1:x", "a2:x", "b", "sym", "d"]);
  for (const inherited of ["toString", "constructor", "__proto__", "hasOwnProperty"]) expect(e.emit(inherited)).toBe(false);
  expect(() => e.emit("error", new Error("boom"))).toThrow("boom");
  expect(e.listenerCount("a")).toBe(2);
  e.removeAllListeners();
  expect(e.eventNames()).toEqual([]);
});
