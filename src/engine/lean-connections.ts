/**
 * What Socket.IO and engine.io keep per connection that this server never reads again, released
 * or shared once a socket has connected (`io.on("connection")`, after its handlers are attached).
 *
 * Why: an idle viewer's heap is mostly library bookkeeping (`npm run bench:memory` diffs heap
 * snapshots; bench/README.md, section "Memory per idle viewer", has the table). Each step below
 * names what it saves there.
 * Every step touches a library internal of an exactly pinned version; src/engine/internals.test.ts
 * fails when one of them changes.
 *
 * 1. The upgrade request (about 1.4 KB with its header copies). engine.io keeps it as
 *    `conn.request`, and its WebSocketResponse (the `res` its middlewares see on an upgrade) keeps
 *    it from a "close" listener on the TCP socket until the connection ends. Socket.IO's memory
 *    docs only drop the first, which is why dropping it alone saved nothing measurable.
 * 2. `socket.handshake`: its headers, query, URL, date string and auth (the token) are read only by
 *    the middlewares, before this runs. The same shape stays, with the address.
 * 3. Per-socket containers a viewer never uses: the acks Map (this server never emits to one
 *    socket with an ack), the `socket.use()` list, one `onAny` list per socket when every socket
 *    has the same single listener, engine.io's listener on the "headers" of a WebSocket transport
 *    (emitted for polling only) and its `onUpgradeError` left on the WebSocket of a connection
 *    that did not come through an upgrade.
 * 4. Event tables. Node's EventEmitter starts every `_events` as `{ __proto__: null }`, which V8
 *    keeps in dictionary mode (160 to 450 bytes each, never shrinking); the engine.io connection,
 *    its transport and the Socket.IO socket each have one. Once their listeners are attached, each
 *    table is copied into a fast-mode object that also has no Object.prototype behind it, and
 *    each list of listeners at its length.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { ParsedUrlQuery } from "node:querystring";
import type { Socket } from "socket.io";
import { engineConnection, type EngineConnection } from "./engine-connection.js";

/** engine.io 6.6: `socket.once("close", () => this.emit("close"))` in WebSocketResponse's constructor. */
export const UPGRADE_RESPONSE_CLOSE_LISTENER = '() => this.emit("close")';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** The Socket.IO socket's internals this replaces. */
interface SocketInternals {
  acks: Map<number, unknown>;
  fns: unknown[];
  _anyListeners?: Listener[];
  handshake: Socket["handshake"];
}

/** Stands in for every socket's acks Map: this server never emits to one socket with an ack. */
class NoAcks extends Map<number, unknown> {
  override set(): never {
    throw new Error("server-to-client acks are not supported here: lean-connections.ts shares one empty acks map");
  }
}

const NO_ACKS = new NoAcks();
const NO_MIDDLEWARE: unknown[] = Object.freeze([]) as unknown as unknown[];
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});
const NO_QUERY: ParsedUrlQuery = Object.freeze({});
const NO_AUTH: Record<string, unknown> = Object.freeze({});

/**
 * Instances are fast-mode objects whose prototype chain ends in null, as EventEmitter requires
 * (`events["toString"]` must be undefined).
 */
function EventTable(): void {}
EventTable.prototype = Object.create(null) as object;

/** Replaces an emitter's dictionary-mode `_events` with an equal fast-mode one. */
export function compactEventTable(emitter: unknown): void {
  const e = emitter as { _events?: Record<PropertyKey, unknown> };
  const events = e._events;
  if (!events) return;
  const table = new (EventTable as unknown as new () => Record<PropertyKey, unknown>)();
  // A list of listeners is copied at its size: pushing a third listener grows one to 17 slots.
  for (const key of Reflect.ownKeys(events)) table[key] = Array.isArray(events[key]) ? (events[key] as unknown[]).slice() : events[key];
  e._events = table;
}

/** The WebSocketResponse's close listener: it holds the upgrade request until the connection ends. */
function detachUpgradeResponse(tcp: NetSocket | undefined): void {
  if (!tcp) return;
  for (const raw of tcp.rawListeners("close")) {
    const listener = ((raw as { listener?: Listener }).listener ?? raw) as Listener;
    if (listener.toString() === UPGRADE_RESPONSE_CLOSE_LISTENER) tcp.removeListener("close", listener);
  }
}

/** What a WebSocket transport keeps that is never used again. */
function slimWebSocketTransport(conn: EngineConnection, throughUpgrade: boolean): void {
  const transport = conn.transport;
  if (transport.name !== "websocket") return;
  detachUpgradeResponse(transport.socket?._socket);
  // engine.io re-emits only a polling transport's "headers".
  if (!throughUpgrade) transport.removeAllListeners("headers");
  // engine.io removes its no-op onUpgradeError only when a connection upgrades.
  const ws = transport.socket;
  for (const fn of ws?.listeners?.("error") ?? []) if (fn.name === "onUpgradeError") ws!.removeListener!("error", fn);
  // One cleanup function, in an array grown for 17.
  conn.cleanupFn = conn.cleanupFn.slice();
  compactEventTable(transport);
}

function onUpgrade(this: EngineConnection): void {
  slimWebSocketTransport(this, true);
}

/**
 * Releases and shares, per connected socket, what this server never reads again (see above).
 * One instance per Socket.IO server; call `slim(socket)` last in `io.on("connection")`.
 */
export class LeanConnections {
  /** The `onAny` list every socket has, shared once seen. */
  private sharedAny: Listener[] | undefined;

  slim(socket: Socket): void {
    const s = socket as unknown as SocketInternals;
    const conn = engineConnection(socket);
    const h = socket.handshake;
    s.handshake = { headers: NO_HEADERS, time: "", address: h.address, xdomain: h.xdomain, secure: h.secure, issued: h.issued, url: "", query: NO_QUERY, auth: NO_AUTH };
    conn.request = null;
    if (conn.transport.name === "websocket") slimWebSocketTransport(conn, false);
    else conn.on("upgrade", onUpgrade);
    compactEventTable(conn);
    compactEventTable(socket);

    s.acks = NO_ACKS;
    s.fns = NO_MIDDLEWARE;
    const any = s._anyListeners;
    if (any?.length === 1) {
      if (this.sharedAny === undefined) this.sharedAny = Object.freeze([any[0]!]) as Listener[];
      if (this.sharedAny[0] === any[0]) s._anyListeners = this.sharedAny;
    }
  }
}
