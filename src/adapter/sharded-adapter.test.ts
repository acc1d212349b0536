/**
 * The patched sharded adapter's join wait, against a fake Redis that keeps node-redis's client-side
 * bookkeeping apart from the server's truth (testing/fake-sharded-redis.ts): a join must not be
 * acked (and history not read) before the room's subscription is real on the server, proven by a
 * probe that came back.
 */
import { afterEach, expect, it } from "vitest";
import { pino } from "pino";
import { embeddedBackend } from "../runtime.js";
import { createChatServer, type ChatServer } from "../server.js";
import { call, connectClient, join, type ChatClient } from "../../test/support/clients.js";
import { roomChannel } from "../store/redis/room-channel.js";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Adapter } from "socket.io-adapter";
import { EntryBus } from "../delivery/entry-bus.js";
import { createChatShardedAdapter, type ShardedInternals, type SubscriptionAware } from "./sharded-adapter.js";
import { FakeShardedRedis } from "./testing/fake-sharded-redis.js";

const open: { server?: ChatServer; clients: ChatClient[] } = { clients: [] };
afterEach(async () => {
  for (const c of open.clients.splice(0)) c.close();
  await open.server?.close();
  open.server = undefined;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/** A server on the fake Redis, no unsubscribe grace (every emptied room unsubscribes), and `n` clients. */
async function serverWith(redis: FakeShardedRedis, n = 1, sub: object = redis.sub) {
  const { store, bus, presence, notices, team, moderationLog } = embeddedBackend();
  const adapter = createChatShardedAdapter(redis.pub, sub, { bus, subscriptions: { graceMs: 0 }, probe: { timeoutMs: 200 } });
  const server = createChatServer({}, { logger: pino({ level: "silent" }), store, bus, notices, team, moderationLog, presence, replicaId: "t", adapter: adapter as never });
  open.server = server;
  const port = await server.listen(0, "127.0.0.1");
  for (let i = 0; i < n; i++) open.clients.push(await connectClient(`http://127.0.0.1:${port}`));
  return open.clients;
}

it("acks a join only after the room's channel subscription is confirmed and its probe came back", async () => {
  const redis = new FakeShardedRedis();
  const pending = deferred();
  const gated = {
    sSubscribe: async (channel: string, listener: (m: Buffer, c: Buffer) => void, buffers: true) => {
      if (channel.endsWith("#lobby#")) await pending.promise;
      return redis.sub.sSubscribe(channel, listener, buffers);
    },
    sUnsubscribe: redis.sub.sUnsubscribe,
  };
  const [c] = await serverWith(redis, 1, gated);
  let acked = false;
  const ack = join(c!, "lobby").then((res) => {
    acked = true;
    return res;
  });
  await new Promise((r) => setTimeout(r, 300)); // a negative check needs a window: no ack while the SSUBSCRIBE is pending
  expect(acked).toBe(false);
  pending.resolve();
  expect((await ack).ok).toBe(true);
  // The probe went out after the subscription and before the ack.
  expect(redis.sent.filter((s) => s.endsWith("#lobby#"))).toEqual([`SSUBSCRIBE ${roomChannel("lobby")}`, `SPUBLISH ${roomChannel("lobby")}`]);
});

it("a refused subscription fails the waiting join with unavailable; the next join subscribes again", async () => {
  const redis = new FakeShardedRedis();
  let refusals = 1;
  redis.refuse = (op, channel) => (op === "subscribe" && channel.endsWith("#lobby#") && refusals-- > 0 ? new Error("CLUSTERDOWN") : undefined);
  const [c] = await serverWith(redis);
  expect(await join(c!, "lobby")).toMatchObject({ ok: false, error: { code: "unavailable" } });
  expect((await join(c!, "lobby")).ok).toBe(true);
  expect(redis.server.has(roomChannel("lobby"))).toBe(true);
});

it("issue #24: the room's last member leaves as another joins, replies delayed: the joiner's ack means the server has the subscription", async () => {
  const redis = new FakeShardedRedis({ delayMs: 5 });
  const [x, y] = await serverWith(redis, 2);
  for (let trial = 0; trial < 5; trial++) {
    const room = `swap-${trial}`;
    expect((await join(x!, room)).ok).toBe(true);
    // Back to back: the leave's SUNSUBSCRIBE is still unanswered when the join's subscribe goes.
    const [left, joined] = await Promise.all([call<{ ok: boolean }>(x!, "room:leave", { room }), join(y!, room)]);
    expect([left.ok, joined.ok]).toEqual([true, true]);
    expect(redis.server.has(roomChannel(room)), `${room}: the server has A's subscription once Y's join is acked`).toBe(true);
    expect(redis.listeners.has(roomChannel(room))).toBe(true);
  }
});

it("@socket.io/redis-adapter internals taken over here: one stock create-room and one delete-room listener (SUNSUBSCRIBE), the fixed channels' names; none of the stock listeners is left", async () => {
  const redis = new FakeShardedRedis({ delayMs: 1 });
  const nsp = () => ({ name: "/", sockets: new Map(), server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] } } });
  const stock = createShardedAdapter(redis.pub, redis.sub, { subscriptionMode: "dynamic-private" })(nsp()) as unknown as ShardedInternals & Adapter;
  expect([stock.listeners("create-room").length, stock.listeners("delete-room").length]).toEqual([1, 1]);
  expect([stock.channel, stock.responseChannel]).toEqual(["socket.io#/#", `socket.io#/#${(stock as unknown as { uid: string }).uid}#`]);
  stock.emit("delete-room", "r");
  expect(redis.sent.at(-1)).toBe(`SUNSUBSCRIBE ${roomChannel("r")}`);

  const ours = createChatShardedAdapter(redis.pub, redis.sub, { bus: new EntryBus() })(nsp()) as unknown as Adapter & SubscriptionAware;
  expect([ours.listeners("create-room").length, ours.listeners("delete-room").length]).toEqual([1, 1]);
  const before = redis.sent.length;
  ours.emit("delete-room", "never-created");
  expect(redis.sent.length, "no stock SUNSUBSCRIBE behind the state machine").toBe(before);
  await ours.close();
});
