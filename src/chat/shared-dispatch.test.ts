import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Server } from "socket.io";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, ProtocolError } from "../protocol/index.js";
import { call, connectClient, type ChatClient } from "../../test/support/clients.js";
import { defaultFloodOptions } from "./ack-handler.js";
import { sharedDispatch, type EventHandler } from "./shared-dispatch.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ChatIo, ServerSocket } from "../socket/chat-io.js";

describe("sharedDispatch", () => {
  let io: ChatIo;
  let url: string;
  const clients: ChatClient[] = [];
  const seen: { event: string; payload: unknown }[] = [];
  const serverSockets: ServerSocket[] = [];

  const handler =
    (event: string): EventHandler =>
    async (_deps, _socket, payload) => {
      seen.push({ event, payload });
      if ((payload as { fail?: boolean } | undefined)?.fail) throw new ProtocolError(ErrorCode.NotJoined, "join first");
      return { echoed: payload };
    };

  beforeEach(async () => {
    seen.length = 0;
    serverSockets.length = 0;
    const http = createServer();
    io = new Server(http, { serveClient: false }) as ChatIo;
    const deps = { logger: pino({ level: "silent" }) } as unknown as ChatDeps;
    const setup = sharedDispatch(deps, {
      events: { "chat:send": { bucket: "message", handle: handler("chat:send") }, "room:join": { bucket: "event", handle: handler("room:join") } },
      ratePerSec: 1,
      rateBurst: 2,
      flood: defaultFloodOptions,
    });
    io.on("connection", (socket) => {
      serverSockets.push(socket);
      setup(socket);
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await new Promise<void>((r) => io.close(() => r()));
  });

  async function client(): Promise<ChatClient> {
    const c = await connectClient(url);
    clients.push(c);
    return c;
  }

  it("routes each event to its handler with the ack discipline", async () => {
    const c = await client();
    await expect(call(c, "room:join", { room: "r1" })).resolves.toEqual({ ok: true, echoed: { room: "r1" } });
    await expect(call(c, "chat:send", { fail: true })).resolves.toEqual({
      ok: false,
      error: { code: ErrorCode.NotJoined, message: "join first" },
    });
    expect(seen.map((s) => s.event)).toEqual(["room:join", "chat:send"]);
  });

  it("drops calls without an ack and answers unknown events with bad_request", async () => {
    const c = await client();
    // The typed client insists on an ack; this call deliberately has none.
    (c as unknown as { emit(event: string, payload: unknown): void }).emit("room:join", { room: "no-ack" });
    const res = await call<{ ok: boolean; error: { code: string } }>(c, "nope:never", { x: 1 });
    expect(res.ok).toBe(false);
    expect(res.error.code).toBe(ErrorCode.BadRequest);
    // The acked call after it went through the same socket in order: the ack-less one was dropped.
    await call(c, "room:join", { room: "after" });
    expect(seen.map((s) => s.payload)).toEqual([{ room: "after" }]);
  });

  it("charges messages and other events to separate buckets", async () => {
    const c = await client();
    const sends = [];
    for (let i = 0; i < 3; i++) sends.push(await call<{ ok: boolean; error?: { code: string; retryAfterMs?: number } }>(c, "chat:send", { i }));
    expect(sends.map((s) => s.ok)).toEqual([true, true, false]);
    expect(sends[2]!.error!.code).toBe(ErrorCode.RateLimited);
    expect(sends[2]!.error!.retryAfterMs).toBeGreaterThan(0);
    await expect(call(c, "room:join", { room: "r" })).resolves.toMatchObject({ ok: true });
  });

  it("adds one shared any-listener per socket and no per-event listeners", async () => {
    await client();
    await client();
    const [a, b] = serverSockets as [ServerSocket, ServerSocket];
    expect(a.listenerCount("chat:send")).toBe(0);
    expect(a.listenersAny()).toHaveLength(1);
    expect(a.listenersAny()[0]).toBe(b.listenersAny()[0]);
  });
});
