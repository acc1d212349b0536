/**
 * `npm run bench:memory`: where the heap per idle viewer goes. Starts each server variant in this
 * process (so the heap can be read after a full GC), connects viewers from load processes, and
 * reports the heap slope between half and all of them. Answers two questions of issue 7: how much
 * this server adds over stock Socket.IO, and what discarding each connection's HTTP request
 * object (Socket.IO's memory-usage advice) saves.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { Server } from "socket.io";
import { pino } from "pino";
import { defaultFloodOptions } from "../src/chat/ack-handler.js";
import { connectionSetup } from "../src/chat/connection.js";
import type { ChatDeps } from "../src/chat/types.js";
import { MemoryPresenceStore } from "../src/presence/memory-presence-store.js";
import { ViewerCounts } from "../src/presence/viewer-counts.js";
import { RoomService } from "../src/rooms/room-service.js";
import { SendBatcher } from "../src/delivery/send-batcher.js";
import { MemoryMessageStore } from "../src/store/memory-message-store.js";
import { startEmbedded } from "../test/support/embedded-server.js";
import { LoadFleet } from "./load/load-fleet.js";
import type { ClientSpec } from "./load/load-protocol.js";
import { Cleanup } from "./process/cleanup.js";
import { growth } from "./heap-growth.js";
import { textTable } from "./report/text-table.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

interface Running {
  url: string;
  io: Server;
  close(): Promise<void>;
}

/** Socket.IO's advice, as given: drop the request as soon as the engine connection opens. */
function discardAtEngine(io: Server): void {
  io.engine.on("connection", (raw: { request: unknown }) => {
    raw.request = null;
  });
}

/** Drop it once the namespace handshake is built, so `socket.handshake` keeps its headers. */
function discardAfterHandshake(io: Server): void {
  io.on("connection", (socket) => {
    (socket.conn as unknown as { request: unknown }).request = null;
  });
}

async function stock(): Promise<Running> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  io.on("connection", (socket) => {
    socket.on("room:join", async (p: { room: string }, ack: (r: unknown) => void) => {
      await socket.join(p.room);
      ack({ ok: true, room: p.room, viewers: 0, recovered: false, messages: [], notice: null });
    });
    socket.on("chat:send", (_p: unknown, ack: (r: unknown) => void) => ack({ ok: true, id: "x" }));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    io,
    close: () => new Promise<void>((r) => io.close(() => r())),
  };
}

async function ours(): Promise<Running> {
  const s = await startEmbedded({ maxConnectionsPerIp: 1_000_000, ratePerSec: 1_000, rateBurst: 1_000 });
  return { url: s.url, io: s.server.io as unknown as Server, close: () => s.close() };
}

/**
 * Stock Socket.IO with only this server's event handlers (one listener shared by every socket).
 * The earlier per-socket closures cost 3.3 KB more per viewer (14.0 vs 10.8 KB in the README).
 */
function withHandlers(): () => Promise<Running> {
  return async () => {
    const http = createServer();
    const io = new Server(http, { serveClient: false });
    const logger = pino({ level: "silent" });
    const store = new MemoryMessageStore();
    const viewers = new ViewerCounts({ store: new MemoryPresenceStore(), replicaId: "bench", announce: () => {}, tell: () => {}, logger });
    const sends = new SendBatcher({ append: (room, drafts) => store.append(room, drafts) });
    const presence = new MemoryPresenceStore();
    const rooms = new RoomService({ store, sends, presence, broadcast: { emit: () => {} }, replicas: { kick: async () => 0, disconnect: async () => 0 } });
    const deps: ChatDeps = { store, sends, viewers, rooms, limits: { messageMaxLength: 500, maxRoomsPerSocket: 20 }, logger };
    const rate = { ratePerSec: 1_000, rateBurst: 1_000, flood: defaultFloodOptions };
    const setup = connectionSetup(deps, rate);
    io.on("connection", (socket) => setup(socket as never));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    return {
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      io,
      close: () => new Promise<void>((r) => io.close(() => r())),
    };
  };
}

const VARIANTS: { name: string; start: () => Promise<Running>; patch?: (io: Server) => void }[] = [
  { name: "stock Socket.IO (default rooms)", start: stock },
  { name: "stock, request discarded at engine connection", start: stock, patch: discardAtEngine },
  { name: "stock + this server's handlers, one shared listener (sharedDispatch)", start: withHandlers() },
  { name: "this server (embedded)", start: ours },
  { name: "this server, request discarded after handshake", start: ours, patch: discardAfterHandshake },
  { name: "this server, request discarded at engine connection", start: ours, patch: discardAtEngine },
];

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "2000" },
      /** Also diff heap snapshots (written to this directory) and print what grew, by object name. */
      snapshots: { type: "string" },
    },
  });
  const viewers = Number(values.viewers);
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const rows: (string | number)[][] = [];
  let stockHeap = 0;
  try {
    for (const v of VARIANTS) {
      const server = await v.start();
      const stopServer = cleanup.add(v.name, () => server.close());
      v.patch?.(server.io);
      const specs: ClientSpec[] = Array.from({ length: viewers }, () => ({ url: server.url, replica: 0, rooms: ["hot"] }));
      const half = Math.floor(viewers / 2);
      const stops: (() => Promise<void>)[] = [];
      const fleet = await LoadFleet.start(specs.slice(0, half), [], {}, (name, stop) => void stops.push(cleanup.add(name, stop)));
      await new Promise((r) => setTimeout(r, 500));
      const mid = heap();
      const file = (n: string) => `${values.snapshots}/${VARIANTS.indexOf(v)}-${n}.heapsnapshot`;
      if (values.snapshots) writeHeapSnapshot(file("mid"));
      await fleet.addViewers(specs.slice(half));
      await new Promise((r) => setTimeout(r, 500));
      const perViewer = (heap() - mid) / (viewers - half);
      if (values.snapshots) {
        writeHeapSnapshot(file("all"));
        console.error(`${v.name}: what grew per viewer (bytes, objects)`);
        for (const g of growth(file("mid"), file("all"), viewers - half, 30)) {
          console.error(`  ${g.bytes.toFixed(0).padStart(6)} B  ${g.count.toFixed(2).padStart(6)}  ${g.name}`);
        }
      }
      // Does the handshake survive? Our auth and limiter read it; a test client would see a change here.
      const sample = [...server.io.of("/").sockets.values()][0];
      const headers = sample ? Object.keys(sample.handshake.headers).length : -1;
      if (v.name === VARIANTS[0]!.name) stockHeap = perViewer;
      rows.push([v.name, (perViewer / 1024).toFixed(2), stockHeap ? `${(perViewer / stockHeap).toFixed(2)}x` : "-", headers]);
      console.error(`${v.name}: ${(perViewer / 1024).toFixed(2)} KB heap per viewer`);
      await fleet.close();
      for (const stop of stops.reverse()) await stop();
      await stopServer();
    }
  } finally {
    await cleanup.run();
  }
  console.log(`\nHeap per idle websocket viewer (slope from ${Math.floor(viewers / 2)} to ${viewers} viewers, after GC)`);
  console.log(textTable(["server", "heap KB/viewer", "vs stock", "handshake headers"], rows));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
