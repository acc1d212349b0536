/**
 * The baselines: stock Socket.IO with a stock @socket.io/redis-adapter, unmodified, on the same
 * Redis Cluster as this server. Just enough of PROTOCOL.md to take the same load: `room:join`
 * joins, `chat:send` does `socket.to(room).emit("chat:message", ...)` and acks. No history store,
 * no validation, no rate limit, and Socket.IO's default per-socket rooms stay.
 *
 *   node --import tsx bench/baselines/stock-server.ts --adapter classic|sharded --nodes h:p,h:p [--port 0]
 *   node --import tsx bench/baselines/stock-server.ts --adapter memory   (Socket.IO's in-memory adapter, no Redis)
 *
 * `--coalesce-ms N` adds this project's write coalescing (src/engine/write-coalescing.ts) and nothing
 * else, so the bench can show what that one mechanism does to the stock sharded setup.
 *
 * Prints one JSON line `{"msg":"chat server listening","port":N}` once it listens.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createCluster } from "redis";
import { Server } from "socket.io";
import type { EngineConnection } from "../../src/engine/engine-connection.js";
import { WriteCoalescer } from "../../src/engine/write-coalescing.js";

const { values } = parseArgs({
  options: {
    adapter: { type: "string" },
    nodes: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    /** Socket.IO's memory-usage advice: drop each connection's HTTP request object. */
    "discard-request": { type: "boolean", default: false },
    "coalesce-ms": { type: "string", default: "0" },
  },
});
const kind = values.adapter;
if (kind !== "classic" && kind !== "sharded" && kind !== "memory") throw new Error("--adapter must be classic, sharded or memory");
if (kind !== "memory" && !values.nodes) throw new Error("--nodes host:port,... is required");

const redis = kind === "memory" ? undefined : createCluster({
        rootNodes: values.nodes!.split(",").map((n) => ({ url: `redis://${n}` })),
        // The bench's cluster is the test harness's, which has a password (test/harness/redis-cli.ts).
        ...(process.env.REDIS_PASSWORD ? { defaults: { password: process.env.REDIS_PASSWORD } } : {}),
      });
const pub = redis;
const sub = redis?.duplicate();
pub?.on("error", (err: unknown) => console.error("redis pub error", err));
sub?.on("error", (err: unknown) => console.error("redis sub error", err));
await Promise.all([pub?.connect(), sub?.connect()]);

const http = createServer();
const io = new Server(http, {
  // Classic: every broadcast is one PUBLISH, which Redis Cluster forwards to every node.
  // Sharded: one SPUBLISH per broadcast on the room's own channel (subscriptionMode "dynamic").
  // Memory: Socket.IO's default in-memory adapter (one process).
  ...(pub && sub ? { adapter: kind === "classic" ? createAdapter(pub, sub) : createShardedAdapter(pub, sub) } : {}),
  serveClient: false,
});
if (values["discard-request"]) {
  io.engine.on("connection", (raw: { request: unknown }) => {
    raw.request = null;
  });
}

const coalesceMs = Number(values["coalesce-ms"]);
if (coalesceMs > 0) {
  const coalescer = new WriteCoalescer({ tickMs: coalesceMs });
  io.engine.on("connection", (conn: EngineConnection) => coalescer.attach(conn));
}

let seq = 0;
io.on("connection", (socket) => {
  const user = { id: socket.id, name: "viewer", role: "viewer" };
  socket.on("room:join", async (payload: { room: string }, ack: (res: unknown) => void) => {
    await socket.join(payload.room);
    ack({ ok: true, room: payload.room, viewers: 0, recovered: false, messages: [], notice: null });
  });
  socket.on("chat:send", (payload: { room: string; text: string; kind: string }, ack: (res: unknown) => void) => {
    const id = `${process.pid}-${++seq}`;
    socket.to(payload.room).emit("chat:message", {
      id,
      room: payload.room,
      kind: payload.kind,
      text: payload.text,
      user,
      ts: Date.now(),
    });
    ack({ ok: true, id });
  });
});

http.listen(Number(values.port), values.host, () => {
  console.log(JSON.stringify({ msg: "chat server listening", port: (http.address() as AddressInfo).port }));
});

const stop = () => {
  io.close(() => {
    void Promise.allSettled([pub?.close(), sub?.close()]).then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 3_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
