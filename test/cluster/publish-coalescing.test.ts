/**
 * PUBLISH_COALESCING_MS: a burst to one room leaves a replica as fewer SPUBLISHes, and members on
 * other replicas still get every message once, in order, never the sender.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createCluster } from "redis";
import { attachRedisCluster, type RedisClusterClient } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let cluster: RedisClusterClient;
let replicas: Replica[] = [];
const clients: ChatClient[] = [];

beforeAll(async () => {
  cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(2, {
    env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, PUBLISH_COALESCING_MS: "50", ...FAST },
  });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(replicas.map((r) => r.stop()));
});


it("publishes a burst to one room as a few batches, delivered in order exactly once", async () => {
  const room = uniqueId("coalesce");
  // A spy on the room's channel counts publishes: one received message per SPUBLISH.
  const spy = createCluster({ rootNodes: cluster.seeds.split(",").map((s) => ({ url: `redis://${s}` })) });
  spy.on("error", () => {});
  await spy.connect();
  let published = 0;
  await spy.sSubscribe(`socket.io#/#${room}#`, () => published++);
  const sender = await connectClient(replicas[0]!.url);
  const local = await connectClient(replicas[0]!.url);
  const remote = await connectClient(replicas[1]!.url);
  clients.push(sender, local, remote);
  for (const c of [sender, local, remote]) await join(c, room);
  const atSender = record(sender, "chat:message");
  const atLocal = record(local, "chat:message");
  const atRemote = record(remote, "chat:message");
  const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => sendChat(sender, room, `burst ${i}`)));
  const ids = acks.map((a) => (a.ok ? a.id : ""));
  expect(ids.every(Boolean)).toBe(true);
  await until(() => atRemote.length >= 40 && atLocal.length >= 40, 10_000, "burst delivered");
  await until(() => published > 0, 5_000, "the spy to see the batches");
  await spy.close();
  expect(published).toBeGreaterThan(0);
  expect(published).toBeLessThan(20);
  const sorted = [...ids].sort();
  expect(atRemote.map((m) => m.id)).toEqual(sorted);
  expect(atLocal.map((m) => m.id)).toEqual(sorted);
  expect(atSender).toEqual([]);
});
