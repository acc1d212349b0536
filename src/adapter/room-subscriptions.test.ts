/**
 * The per-channel subscription state machine against a fake Redis whose replies are delayed and
 * whose client keeps node-redis's bookkeeping (testing/fake-sharded-redis.ts): however joins and
 * leaves race, the server ends subscribed exactly to the wanted channels, and a channel is ready
 * only when the server really has it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/support/clients.js";
import { RoomSubscriptions, type RepairKind, type RoomSubscriptionsOptions } from "./room-subscriptions.js";
import { SubscriptionProbe } from "./subscription-probe.js";
import { FakeShardedRedis } from "./testing/fake-sharded-redis.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opened: RoomSubscriptions[] = [];
afterEach(() => opened.splice(0).forEach((s) => s.close()));

function setup(options: Partial<RoomSubscriptionsOptions> = {}, delayMs = 5) {
  const redis = new FakeShardedRedis({ delayMs });
  const wanted = new Set<string>();
  const repairs: [RepairKind, string][] = [];
  const probe = new SubscriptionProbe({ publish: (c, p) => redis.pub.sPublish(c, p) }, { timeoutMs: 100 });
  const handler = (message: Buffer) => probe.received(message);
  const subs = new RoomSubscriptions(
    {
      client: { subscribe: (c) => redis.sub.sSubscribe(c, handler, true), unsubscribe: (c) => redis.sub.sUnsubscribe(c) },
      wanted: (c) => wanted.has(c),
      probe: (c) => probe.send(c),
      onRepair: (kind, c) => repairs.push([kind, c]),
    },
    { graceMs: 0, retryMs: 10, ...options },
  );
  opened.push(subs);
  const join = (c: string) => {
    wanted.add(c);
    subs.update(c);
  };
  const leave = (c: string) => {
    wanted.delete(c);
    subs.update(c);
  };
  const idle = () => until(() => subs.unsettled().length === 0, 5_000, "subscriptions to settle");
  return { redis, wanted, subs, repairs, join, leave, idle };
}

describe("RoomSubscriptions", () => {
  it("the issue's race: leave then join while the SUNSUBSCRIBE is unanswered ends subscribed, and ready means the server has it", async () => {
    const { redis, subs, join, leave } = setup();
    join("r");
    await subs.whenReady("r");
    leave("r");
    join("r");
    await subs.whenReady("r");
    expect(redis.server.has("r")).toBe(true);
    expect(redis.sent.filter((s) => !s.startsWith("SPUBLISH"))).toEqual(["SSUBSCRIBE r", "SUNSUBSCRIBE r", "SSUBSCRIBE r"]);
  });

  it("random joins and leaves of 4 rooms with delayed replies, 60 runs: the server ends with exactly the wanted channels", async () => {
    let seed = 24;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 60; run++) {
      const { redis, wanted, subs, join, leave, idle } = setup({}, 1 + Math.floor(random() * 4));
      const channels = ["a", "b", "c", "d"];
      const readies: Promise<void>[] = [];
      for (let op = 0; op < 25; op++) {
        const c = channels[Math.floor(random() * channels.length)]!;
        if (wanted.has(c)) leave(c);
        else {
          join(c);
          // Whenever a join is told ready, the server has the channel at that moment.
          readies.push(subs.whenReady(c).then(() => expect(redis.server.has(c) || !wanted.has(c), `run ${run}: ${c} ready`).toBe(true), () => undefined));
        }
        if (random() < 0.6) await sleep(Math.floor(random() * 8));
      }
      await idle();
      await Promise.all(readies);
      expect([...redis.server].sort(), `run ${run}`).toEqual([...wanted].sort());
      subs.close();
    }
  });

  it("keeps an emptied room's subscription for the grace period: a rejoin within it sends nothing, then it unsubscribes", async () => {
    const { redis, subs, join, leave, idle } = setup({ graceMs: 150 });
    join("r");
    await subs.whenReady("r");
    leave("r");
    join("r");
    expect(subs.isReady("r")).toBe(true);
    leave("r");
    await sleep(50);
    expect(redis.server.has("r")).toBe(true);
    await until(() => !redis.server.has("r"), 2_000, "unsubscribe after the grace");
    await idle();
    expect(redis.sent.filter((s) => !s.startsWith("SPUBLISH"))).toEqual(["SSUBSCRIBE r", "SUNSUBSCRIBE r"]);
  });

  it("a proven room costs a join nothing until the subscriber's connections change; then one probe proves it again", async () => {
    const { redis, subs, join } = setup();
    join("r");
    await subs.whenReady("r");
    const sent = redis.sent.length;
    for (let i = 0; i < 100; i++) expect(subs.isReady("r")).toBe(true);
    expect(redis.sent.length).toBe(sent);
    subs.invalidate();
    expect(subs.isReady("r")).toBe(false);
    await subs.whenReady("r");
    expect(redis.sent.slice(sent)).toEqual(["SPUBLISH r"]);
  });

  it("a subscription the server lost behind the client's back: the next join's probe is lost, the channel is re-subscribed and proven", async () => {
    const { redis, subs, join, repairs } = setup();
    join("r");
    await subs.whenReady("r");
    redis.lose("r");
    subs.invalidate();
    await subs.whenReady("r");
    expect(redis.server.has("r")).toBe(true);
    expect(repairs).toEqual([["probe_lost", "r"]]);
    // Unsubscribed first, so node-redis forgets its listener and really sends the SSUBSCRIBE.
    expect(redis.sent.slice(-4)).toEqual(["SPUBLISH r", "SUNSUBSCRIBE r", "SSUBSCRIBE r", "SPUBLISH r"]);
  });

  it("a failed SUNSUBSCRIBE is retried; a failed SSUBSCRIBE fails the waiting join and is retried while the room has members", async () => {
    const { redis, subs, join, leave, idle } = setup();
    let refusals = 2;
    redis.refuse = (op) => (refusals-- > 0 ? new Error(`CLUSTERDOWN ${op}`) : undefined);
    join("r");
    await expect(subs.whenReady("r")).rejects.toThrow(/CLUSTERDOWN subscribe/);
    await subs.whenReady("r");
    expect(redis.server.has("r")).toBe(true);
    refusals = 1;
    leave("r");
    await idle();
    expect(redis.server.has("r")).toBe(false);
  });

  it("drops a stray subscription nothing tracks; leaves tracked and wanted channels alone", async () => {
    const { redis, subs, join, idle } = setup();
    join("r");
    await subs.whenReady("r");
    redis.strand("stray");
    expect(subs.dropStray("r")).toBeUndefined();
    await subs.dropStray("stray");
    expect([...redis.server]).toEqual(["r"]);
  });
});
