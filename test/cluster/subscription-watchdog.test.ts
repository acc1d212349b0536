/**
 * Issue #24's watchdog on the real cluster with real node-redis clients (in this process, so the
 * test can break the subscriber behind the adapter's back): a channel with local members that
 * Redis no longer delivers, also while another connection still holds it, and a subscription with
 * no local members, are found, counted and repaired.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { pino } from "pino";
import { EntryBus } from "../../src/delivery/entry-bus.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { createChatShardedAdapter, type SubscriptionAware } from "../../src/adapter/sharded-adapter.js";
import type { RepairKind } from "../../src/adapter/room-subscriptions.js";
import { connectRedis, type RedisClients } from "../../src/redis/redis-clients.js";
import { attachRedisCluster, type RedisClusterClient } from "../harness/redis-cluster.js";
import { uniqueId } from "../support/clients.js";
import { withDeadline } from "../../src/util/with-deadline.js";

interface TestAdapter extends SubscriptionAware {
  addAll(id: string, rooms: Set<string>): void;
  delAll(id: string): void;
  close(): Promise<void> | void;
}

const NAME = `chat-sub:watchdog-test-${process.pid}`;
let cluster: RedisClusterClient;
let redis: RedisClients;
let other: RedisClients;
let adapter: TestAdapter;
const repairs: [RepairKind, number][] = [];

beforeAll(async () => {
  const { password, ...info } = inject("redisCluster");
  cluster = attachRedisCluster({ password, ...info });
  const config = { mode: "cluster" as const, urls: info.seeds.split(",").map((s) => `redis://${s}`), password };
  const logger = pino({ level: "silent" });
  redis = await connectRedis(config, logger, { subscriberName: NAME });
  // Another replica's subscriber: its subscriptions hide a lost one of ours from PUBSUB SHARDNUMSUB.
  other = await connectRedis(config, logger, { subscriberName: `${NAME}-other` });
  const factory = createChatShardedAdapter(redis.pub, redis.sub, {
    bus: new EntryBus(),
    subscriptions: { graceMs: 0 },
    watchdog: { nodes: { masters: () => redis.masters(), ownerOf: (c) => redis.ownerOf(c) }, subscriberName: NAME, intervalMs: 0, auditPerRun: 0 },
    onSubscriberChange: (listener) => redis.onSubscriberChange(listener),
    onRepair: (kind, count) => repairs.push([kind, count]),
  });
  const nsp = { name: "/", sockets: new Map(), server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] } } };
  adapter = factory(nsp) as unknown as TestAdapter;
});

afterAll(async () => {
  await adapter?.close();
  await Promise.all([redis?.close(), other?.close()]);
});

/** Subscribers of a channel on its master. */
async function subscribers(channel: string): Promise<number> {
  const master = await cluster.masterFor(channel);
  return Number((await cluster.cli(master.port, "PUBSUB", "SHARDNUMSUB", channel)).trim().split("\n").at(-1));
}

async function waitForSubscribers(channel: string, n: number): Promise<void> {
  // Redis has no event for a subscription count: poll, bounded.
  const deadline = Date.now() + 10_000;
  while ((await subscribers(channel)) !== n) {
    if (Date.now() > deadline) throw new Error(`${channel}: ${await subscribers(channel)} subscribers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("repairs a lost subscription (also one another connection still holds) and drops a stray one; a steady replica repairs nothing", { timeout: 60_000 }, async () => {
  const [lost, hidden, kept] = [uniqueId("wd-lost"), uniqueId("wd-hidden"), uniqueId("wd-kept")];
  adapter.addAll("s1", new Set([lost, hidden, kept]));
  for (const room of [lost, hidden, kept]) await adapter.whenSubscribed(room);
  expect(await adapter.checkSubscriptions()).toEqual({ probed: 0, missing: 0, stray: 0, failed: 0 });

  // Drift, behind the adapter's back: two subscriptions lost (one still held by another replica), one stray.
  const noop = () => undefined;
  type Subscriber = { sSubscribe(c: string, l: () => void, b: true): Promise<void>; sUnsubscribe(c: string): Promise<void> };
  await (other.sub as Subscriber).sSubscribe(roomChannel(hidden), noop, true);
  const sub = redis.sub as Subscriber;
  await sub.sUnsubscribe(roomChannel(lost));
  await sub.sUnsubscribe(roomChannel(hidden));
  // The stray on another master than both losses: on one master a loss and a stray would even out
  // this connection's subscription count, which only the random audit (off here) finds.
  const lossMasters = new Set([(await cluster.masterFor(roomChannel(lost))).port, (await cluster.masterFor(roomChannel(hidden))).port]);
  let stray = roomChannel(uniqueId("wd-stray"));
  while (lossMasters.has((await cluster.masterFor(stray)).port)) stray = roomChannel(uniqueId("wd-stray"));
  await sub.sSubscribe(stray, noop, true);
  expect([await subscribers(roomChannel(lost)), await subscribers(roomChannel(hidden)), await subscribers(stray)]).toEqual([0, 1, 1]);

  const report = await adapter.checkSubscriptions();
  expect(report).toMatchObject({ missing: 2, stray: 1, failed: 0 });
  await waitForSubscribers(roomChannel(lost), 1);
  await waitForSubscribers(roomChannel(hidden), 2);
  await waitForSubscribers(stray, 0);
  expect(await subscribers(roomChannel(kept))).toBe(1);
  expect(repairs.sort()).toEqual([["missing", 1], ["missing", 1], ["stray", 1]]);
  // Repaired means real: a join of those rooms gets a subscription a probe proved. (Not polled with
  // isSubscribed: the stray's removal may close this subscriber's last channel on a node, a
  // connection change after which every proof is taken again by the next join.)
  for (const room of [lost, hidden]) await withDeadline(adapter.whenSubscribed(room), 5_000, () => new Error(`${room}: not proven`));
  expect(await adapter.checkSubscriptions()).toMatchObject({ missing: 0, stray: 0 });

  adapter.delAll("s1");
  for (const room of [lost, kept]) await waitForSubscribers(roomChannel(room), 0);
});
