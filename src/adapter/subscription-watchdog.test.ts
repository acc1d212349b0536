/**
 * The drift watchdog against the fake Redis (its server's truth, node-redis's bookkeeping apart):
 * counts find suspects, probes prove them, only lost probes are repaired, strays are unsubscribed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/support/clients.js";
import { RoomSubscriptions, type RepairKind } from "./room-subscriptions.js";
import { SubscriptionProbe } from "./subscription-probe.js";
import { shardSubscriptionsOf, SubscriptionWatchdog, type SubscriptionWatchdogOptions } from "./subscription-watchdog.js";
import { FakeShardedRedis } from "./testing/fake-sharded-redis.js";

const NAME = "chat-sub:test";
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

async function setup(rooms: string[], options: Partial<SubscriptionWatchdogOptions> = { auditPerRun: 0 }) {
  const redis = new FakeShardedRedis({ delayMs: 1 });
  const wanted = new Set(rooms);
  const repairs: [RepairKind, string | number][] = [];
  const probe = new SubscriptionProbe({ publish: (c, p) => redis.pub.sPublish(c, p) }, { timeoutMs: 100 });
  const handler = (message: Buffer) => probe.received(message);
  const subscriptions = new RoomSubscriptions(
    {
      client: { subscribe: (c) => redis.sub.sSubscribe(c, handler, true), unsubscribe: (c) => redis.sub.sUnsubscribe(c) },
      wanted: (c) => wanted.has(c),
      probe: (c) => probe.send(c),
      onRepair: (kind, c) => repairs.push([kind, c]),
    },
    { graceMs: 0 },
  );
  const fake = redis.node(NAME);
  const asked: string[] = [];
  const node = { address: fake.address, send: (args: string[]) => (asked.push(args.slice(0, 2).join(" ")), fake.send(args)) };
  const watchdog = new SubscriptionWatchdog({
    subscriptions,
    nodes: { masters: async () => [node], ownerOf: () => node.address },
    subscriberName: NAME,
    channelPattern: "room:*",
    onStray: (count) => repairs.push(["stray", count]),
  }, options);
  stops.push(() => watchdog.stop(), () => subscriptions.close());
  for (const room of rooms) subscriptions.update(room);
  await Promise.all(rooms.map((room) => subscriptions.whenReady(room)));
  return { redis, wanted, subscriptions, watchdog, repairs, asked };
}

describe("SubscriptionWatchdog", () => {
  it("a steady replica: two commands per master, no probe, no repair", async () => {
    const { redis, watchdog, repairs, asked } = await setup(["room:a", "room:b"]);
    const before = redis.sent.length;
    expect(await watchdog.run()).toEqual({ probed: 0, missing: 0, stray: 0, failed: 0 });
    expect(asked).toEqual(["CLIENT LIST", "PUBSUB SHARDNUMSUB"]);
    expect(redis.sent.length, "no probe published").toBe(before);
    expect(repairs).toEqual([]);
  });

  it("a channel nobody holds any more is probed and re-subscribed", async () => {
    const { redis, watchdog, repairs } = await setup(["room:a", "room:b"]);
    redis.lose("room:a");
    expect(await watchdog.run()).toMatchObject({ probed: 1, missing: 1 });
    await until(() => redis.server.has("room:a"), 2_000, "re-subscribed");
    expect(repairs).toEqual([["missing", "room:a"]]);
  });

  it("a lost channel another replica still holds: the count is short, every channel is probed, only the lost one repaired", async () => {
    const { redis, watchdog, repairs } = await setup(["room:a", "room:b", "room:c"]);
    for (const c of ["room:a", "room:b", "room:c"]) redis.others.set(c, 1);
    redis.lose("room:b");
    expect(await watchdog.run()).toMatchObject({ probed: 3, missing: 1 });
    await until(() => redis.server.has("room:b"), 2_000, "re-subscribed");
    expect(repairs).toEqual([["missing", "room:b"]]);
  });

  it("a stray subscription (no local members): counted and unsubscribed; other replicas' channels are left to them", async () => {
    const { redis, watchdog, repairs } = await setup(["room:a"]);
    redis.strand("room:gone");
    redis.others.set("room:theirs", 2);
    expect(await watchdog.run()).toMatchObject({ stray: 1, missing: 0 });
    await until(() => !redis.server.has("room:gone"), 2_000, "stray unsubscribed");
    expect([...redis.server]).toEqual(["room:a"]);
    expect(repairs).toEqual([["stray", 1]]);
  });

  it("the drift counts cannot see (a lost channel another replica holds, a stray evening the count) is found by the random audit", async () => {
    const rooms = ["room:a", "room:b", "room:c", "room:d"];
    const { redis, watchdog, repairs } = await setup(rooms, { auditPerRun: 2 });
    for (const c of rooms) redis.others.set(c, 1);
    redis.lose("room:c");
    redis.strand("room:gone");
    // 2 of 4 channels per run at random: found within a few runs (50 bounds it).
    for (let run = 0; run < 50 && (await watchdog.run()).missing === 0; run++);
    await until(() => redis.server.has("room:c"), 2_000, "re-subscribed by the audit");
    expect(repairs[0]).toEqual(["missing", "room:c"]);
  });

  it("a master that cannot be asked is reported, not thrown", async () => {
    const { subscriptions } = await setup(["room:a"]);
    const failing = new SubscriptionWatchdog({
      subscriptions,
      nodes: { masters: async () => [{ address: "down:1", send: async () => Promise.reject(new Error("ECONNREFUSED")) }], ownerOf: () => "down:1" },
      subscriberName: NAME,
      channelPattern: "room:*",
    });
    expect(await failing.run()).toMatchObject({ failed: 1 });
  });

  it("reads ssub of the subscriber's named connections from CLIENT LIST", () => {
    const list = [
      `id=3 addr=127.0.0.1:1 laddr=x fd=7 name=${NAME} age=0 idle=0 flags=P db=0 sub=0 psub=0 ssub=4 multi=-1`,
      `id=4 addr=127.0.0.1:2 laddr=x fd=8 name=${NAME} age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1`,
      "id=5 addr=127.0.0.1:3 laddr=x fd=9 name=other age=0 idle=0 flags=P db=0 sub=0 psub=0 ssub=9 multi=-1",
    ].join("\n");
    expect(shardSubscriptionsOf(list, NAME)).toBe(4);
    expect(shardSubscriptionsOf(list, "nobody")).toBe(0);
    expect(shardSubscriptionsOf(`id=3 name=${NAME} sub=0 psub=0`, NAME)).toBeUndefined();
  });
});
