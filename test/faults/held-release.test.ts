/**
 * Held messages outlive the replica that held them (issue #21): a viewer's message held by the
 * room's delay on replica A, A killed (SIGKILL) before it is due; replica B, which has members in
 * the room and saw the `held` notice, stores it a grace after its due time, and B's viewers get it
 * exactly once. Without B's backstop the message waits in Redis until someone joins or sends.
 * Chat replicas only are killed: the suite's shared Redis Cluster is not touched.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { call, join, nextEvent, record, sendChat, uniqueId, until } from "../support/clients.js";
import { ClientPool } from "../support/use-clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let replicas: Replica[] = [];
const clients = new ClientPool();

beforeAll(async () => {
  const cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(2, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ...FAST } });
});

afterAll(async () => {
  clients.closeAll();
  await stopReplicas(replicas);
});

it("a delayed message whose replica is killed before it is due is stored by the other replica and delivered once", async () => {
  const [A, B] = replicas as [Replica, Replica];
  const room = uniqueId("orphan");
  const streamer = await clients.connect(B, { token: await mintToken({ sub: "owner", name: "Owner", role: "streamer", rooms: [room] }, TEST_SECRET) });
  const viewer = await clients.connect(B, { name: "Watcher" });
  const sender = await clients.connect(A, { name: "Sender", session: "s".repeat(24) });
  for (const c of [streamer, viewer, sender]) await join(c, room);
  expect(await call(streamer, "room:configure", { room, delaySec: 2 })).toMatchObject({ ok: true });
  const seen = record(viewer, "chat:message");
  const held = nextEvent(streamer, "mod:held");
  // Its ack never comes: the replica dies with it.
  sendChat(sender, room, "outlives its replica", { clientId: "orphan-1" }).catch(() => undefined);
  const [message] = (await held).messages;
  A.kill("SIGKILL");
  await A.exited;
  const released = nextEvent(streamer, "mod:resolved", undefined, 10_000);
  await until(() => seen.some((m) => m.text === "outlives its replica"), 10_000, "the released message on B");
  expect((await released).items).toEqual([{ kind: "held", id: message!.id, outcome: "released", messageId: seen[0]!.id }]);
  expect(Date.now()).toBeGreaterThanOrEqual(message!.releaseAt!);
  // Exactly once: a barrier through the same path, then the count.
  expect((await sendChat(streamer, room, "barrier")).ok).toBe(true);
  await until(() => seen.some((m) => m.text === "barrier"), 5_000, "the barrier");
  expect(seen.map((m) => m.text)).toEqual(["outlives its replica", "barrier"]);
  expect((await call<{ held: unknown[] }>(streamer, "queue:list", { room })).held).toEqual([]);
});
