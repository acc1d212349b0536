/**
 * Guard of the pinned node-redis (6.3.1) for room-subscriptions.ts, on the suite's real Redis
 * Cluster: the SUNSUBSCRIBE/SSUBSCRIBE race of issue #24 (docs/notes/node-redis-sunsubscribe-race.md),
 * whether it is still there, and what the state machine relies on instead: a subscribe sent after
 * the unsubscribe's reply is real, and the subscriber's connections carry the name the watchdog
 * looks for. Run after every node-redis upgrade (it runs in `npm test`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCluster, type RedisClusterType } from "redis";
import { attachRedisCluster, type RedisClusterClient } from "../../test/harness/redis-cluster.js";
import { shardSubscriptionsOf } from "./subscription-watchdog.js";

const PINNED = "6.3.1";
const NAME = `race-guard-${process.pid}`;
const require = createRequire(import.meta.url);

let cluster: RedisClusterClient;
let sub: RedisClusterType;
let pub: RedisClusterType;
const nodeEvents: string[] = [];

function installedVersion(name: string): string {
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
  return (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;
}

beforeAll(async () => {
  const { password, ...info } = inject("redisCluster");
  cluster = attachRedisCluster({ password, ...info });
  const rootNodes = info.seeds.split(",").map((s) => ({ url: `redis://${s}` }));
  sub = createCluster({ rootNodes, defaults: { password, name: NAME } });
  pub = createCluster({ rootNodes, defaults: { password } });
  for (const c of [sub, pub]) c.on("error", () => undefined);
  sub.on("node-ready", () => nodeEvents.push("node-ready"));
  await Promise.all([sub.connect(), pub.connect()]);
});

afterAll(async () => {
  await Promise.allSettled([sub?.close(), pub?.close()]);
});

let seq = 0;
const freshChannel = () => `race-guard#${process.pid}#${Date.now()}#${++seq}`;

async function subscribers(channel: string): Promise<number> {
  const master = await cluster.masterFor(channel);
  return Number((await cluster.cli(master.port, "PUBSUB", "SHARDNUMSUB", channel)).trim().split("\n").at(-1));
}

describe(`node-redis ${PINNED} sharded pub/sub, as room-subscriptions.ts uses it`, () => {
  it("is the pinned version (redis and @redis/client)", () => {
    expect(installedVersion("redis")).toBe(PINNED);
    expect(installedVersion("@redis/client")).toBe(PINNED);
  });

  it("still has the race: SUNSUBSCRIBE then SSUBSCRIBE before its reply resolves both and leaves the connection unsubscribed", async () => {
    const channel = freshChannel();
    const listener = () => undefined;
    await sub.sSubscribe(channel, listener, true);
    expect(await subscribers(channel)).toBe(1);
    await Promise.all([sub.sUnsubscribe(channel), sub.sSubscribe(channel, listener, true)]);
    const stillRaces = (await subscribers(channel)) === 0;
    // When this fails, the upgrade fixed the race: say so in docs/notes/node-redis-sunsubscribe-race.md.
    // RoomSubscriptions stays correct either way (it never sends the two unordered).
    expect(stillRaces, `node-redis ${installedVersion("@redis/client")}: the race is gone; update the note`).toBe(true);
    await sub.sUnsubscribe(channel);
  });

  it("what the state machine relies on: a subscribe sent after the unsubscribe's reply is real and delivers", async () => {
    const channel = freshChannel();
    const got: string[] = [];
    const listener = (message: Buffer) => void got.push(message.toString());
    await sub.sSubscribe(channel, listener, true);
    await sub.sUnsubscribe(channel);
    await sub.sSubscribe(channel, listener, true);
    expect(await subscribers(channel)).toBe(1);
    await pub.sPublish(channel, "probe");
    await expect.poll(() => got, { timeout: 5_000 }).toEqual(["probe"]);
    // An SUNSUBSCRIBE without a listener drops node-redis's listeners too: the next SSUBSCRIBE is sent.
    await sub.sUnsubscribe(channel);
    expect(await subscribers(channel)).toBe(0);
  });

  it("names the subscriber's connections (CLIENT LIST ssub, for the watchdog) and reports their readiness as node-ready", async () => {
    const channel = freshChannel();
    await sub.sSubscribe(channel, () => undefined, true);
    const master = await cluster.masterFor(channel);
    expect(shardSubscriptionsOf(await cluster.cli(master.port, "CLIENT", "LIST"), NAME)).toBeGreaterThanOrEqual(1);
    expect(nodeEvents).toContain("node-ready");
    await sub.sUnsubscribe(channel);
  });
});
