/**
 * What each added viewer costs, from two V8 heap snapshots of one server process (with half and
 * with all the viewers): the objects that are new in the second, attributed to the connection that
 * owns them and, within it, to the part (engine.io connection, WebSocket, TCP socket, Socket.IO
 * socket...) through which a walk from the connection reaches them first.
 *
 * Node ids are stable between two snapshots of one process, so "new" is exact. The walk starts at
 * every new engine.io connection and follows strong references among new objects only (not the
 * timer list, which links one connection's timers to the next); a part is a recognised object
 * (see {@link PARTS}) and everything first reached through it. What no connection reaches (the
 * server's Map and Set tables growing, compiled code) is reported apart. Native objects (the TCP
 * handle's C++ side, buffer backing stores) are outside the V8 heap and left out.
 */
import { readFileSync } from "node:fs";

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A snapshot's graph in flat arrays. */
class HeapGraph {
  readonly count: number;
  private readonly nodeWidth: number;
  private readonly edgeWidth: number;
  private readonly firstEdge: Uint32Array;
  private readonly nodeTypes: string[];
  private readonly edgeTypes: string[];

  constructor(private readonly raw: RawSnapshot) {
    const meta = raw.snapshot.meta;
    this.nodeWidth = meta.node_fields.length;
    this.edgeWidth = meta.edge_fields.length;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.count = raw.nodes.length / this.nodeWidth;
    this.firstEdge = new Uint32Array(this.count + 1);
    for (let i = 0, e = 0; i < this.count; i++) {
      this.firstEdge[i] = e;
      e += raw.nodes[i * this.nodeWidth + 4]! * this.edgeWidth;
    }
    this.firstEdge[this.count] = raw.edges.length;
  }

  static load(path: string): HeapGraph {
    return new HeapGraph(JSON.parse(readFileSync(path, "utf8")) as RawSnapshot);
  }

  type(i: number): string {
    return this.nodeTypes[this.raw.nodes[i * this.nodeWidth]!]!;
  }

  name(i: number): string {
    return this.raw.strings[this.raw.nodes[i * this.nodeWidth + 1]!]!;
  }

  id(i: number): number {
    return this.raw.nodes[i * this.nodeWidth + 2]!;
  }

  size(i: number): number {
    return this.raw.nodes[i * this.nodeWidth + 3]!;
  }

  *edges(i: number): Generator<{ type: string; name: string; to: number }> {
    const { edges, strings } = this.raw;
    for (let e = this.firstEdge[i]!; e < this.firstEdge[i + 1]!; e += this.edgeWidth) {
      const type = this.edgeTypes[edges[e]!]!;
      const name = type === "element" || type === "hidden" ? String(edges[e + 1]) : strings[edges[e + 1]!]!;
      yield { type, name, to: edges[e + 2]! / this.nodeWidth };
    }
  }

  properties(i: number): Set<string> {
    const names = new Set<string>();
    for (const e of this.edges(i)) if (e.type === "property") names.add(e.name);
    return names;
  }
}

/** A recognised part of a connection: its label, and how to tell its object. */
interface Part {
  label: string;
  is(name: string, props: Set<string>): boolean;
}

/** The parts a connection's objects are attributed to, in the order the table lists them. */
export const PARTS: Part[] = [
  { label: "engine.io connection (Socket: buffers, callbacks, close listeners)", is: (n, p) => n === "Socket" && p.has("packetsFn") },
  { label: "engine.io ping timer", is: (n) => n === "Timeout" },
  { label: "engine.io WebSocket transport (send closures, listeners)", is: (n, p) => n === "WebSocket" && p.has("_doSend") },
  { label: "ws WebSocket (Receiver stream, Sender, listeners)", is: (n, p) => n === "WebSocket" && p.has("_receiver") },
  { label: "lean WebSocket (src/engine/websocket/)", is: (n) => n === "LeanWebSocket" },
  { label: "TCP socket (net.Socket: stream states, listeners, handle)", is: (n, p) => n === "Socket" && p.has("_readableState") },
  { label: "upgrade request (IncomingMessage, raw and parsed headers)", is: (n) => n === "IncomingMessage" },
  { label: "engine.io WebSocketResponse (upgrade res, with a close listener)", is: (n) => n === "WebSocketResponse" },
  { label: "Socket.IO Client (Decoder, namespace and socket maps)", is: (n, p) => n === "Client" && p.has("decoder") },
  { label: "Socket.IO Socket (handshake, acks, flags, listeners)", is: (n, p) => n === "Socket" && p.has("nsp") && p.has("client") },
  { label: "socket.data (user, rate-limit state)", is: () => false },
];
const DATA = PARTS.at(-1)!.label;
const SOCKET_IO_SOCKET = PARTS.find((p) => p.label.startsWith("Socket.IO Socket"))!.label;
const SERVER_WIDE = "server-wide Map/Set tables (clients, sockets, rooms, sids): grow in steps";
const OTHER = "other new objects (compiled code, caches)";

export interface Breakdown {
  /** New engine.io connections between the snapshots. */
  connections: number;
  /** Bytes per connection, by part label (plus the server-wide and other rows). */
  bytes: Map<string, number>;
  /** All new heap bytes per connection (the sum of `bytes`). */
  total: number;
}

/** Where each viewer added between `midPath` and `allPath` (same process) went, per connection. */
export function breakdown(midPath: string, allPath: string): Breakdown {
  const before = new Set<number>();
  {
    const mid = HeapGraph.load(midPath);
    for (let i = 0; i < mid.count; i++) before.add(mid.id(i));
  }
  const g = HeapGraph.load(allPath);
  const isNew = new Uint8Array(g.count);
  const part = new Array<string | undefined>(g.count);
  let queue: number[] = [];
  for (let i = 0; i < g.count; i++) {
    if (before.has(g.id(i))) continue;
    isNew[i] = 1;
    if (g.type(i) === "object" && g.name(i) === "Socket" && g.properties(i).has("packetsFn")) {
      part[i] = PARTS[0]!.label;
      queue.push(i);
    }
  }
  const connections = queue.length;
  while (queue.length > 0) {
    const next: number[] = [];
    for (const i of queue) {
      for (const e of g.edges(i)) {
        const t = e.to;
        if (e.type === "weak" || e.name === "_idlePrev" || e.name === "_idleNext" || !isNew[t] || part[t] !== undefined) continue;
        const name = g.name(t);
        const own = g.type(t) === "object" ? PARTS.find((p) => p.is(name, g.properties(t))) : undefined;
        const fromSocket = part[i] === SOCKET_IO_SOCKET && e.name === "data" && e.type === "property";
        part[t] = own?.label ?? (fromSocket ? DATA : part[i]);
        next.push(t);
      }
    }
    queue = next;
  }
  const bytes = new Map<string, number>([...PARTS.map((p) => [p.label, 0] as const), [SERVER_WIDE, 0], [OTHER, 0]]);
  let total = 0;
  for (let i = 0; i < g.count; i++) {
    const type = g.type(i);
    if (!isNew[i] || type === "native" || type === "synthetic") continue;
    const label = part[i] ?? (type === "array" && g.name(i) === "" ? SERVER_WIDE : OTHER);
    bytes.set(label, bytes.get(label)! + g.size(i));
    total += g.size(i);
  }
  const per = (n: number) => (connections > 0 ? n / connections : 0);
  return { connections, bytes: new Map([...bytes].map(([k, v]) => [k, per(v)])), total: per(total) };
}
