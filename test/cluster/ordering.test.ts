/**
 * Issue "delivery": one order for the whole room. With senders on three replicas and viewers on
 * all of them following the recovery procedure (re-join with `since` when a live event names a
 * `prev` they have not seen), a healthy cluster makes (almost) nobody re-read history: every
 * replica delivers the room's messages in history order, so `prev` is always something the viewer
 * already has. Before, cross-replica reordering made 7.9% of deliveries look like gaps.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startReplicas, type Replica } from "../harness/replica.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { connectClient, join, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";
import { SendLoop } from "../support/fault-traffic.js";

let replicas: Replica[] = [];
const sockets: ChatClient[] = [];
const viewers: ChatViewer[] = [];

beforeAll(async () => {
  replicas = await startReplicas(3, { env: { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, AUTH_SECRET: TEST_SECRET, HISTORY_SIZE: "1000", ...FAST } });
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const v of viewers.splice(0)) v.close();
  await Promise.all(replicas.map((r) => r.stop()));
});

it("delivers a room in history order on every replica: gap re-joins stay under 0.1% of deliveries", { timeout: 120_000 }, async () => {
  const room = `order-${process.pid}-${Date.now()}`;
  for (let i = 0; i < 24; i++) viewers.push(await ChatViewer.connect(replicas[i % 3]!.url, [room]));
  const senders: ChatClient[] = [];
  for (let i = 0; i < 6; i++) {
    const s = await connectClient(replicas[i % 3]!.url);
    sockets.push(s);
    senders.push(s);
    expect((await join(s, room)).ok).toBe(true);
  }
  // Six senders over three replicas, about 4 messages a second each, for about 10 s.
  const loop = new SendLoop(senders, room, { pauseMs: 250 }).start();
  await until(() => loop.acked.size >= 240, 40_000, "240 messages");
  await loop.stop();
  const ids = [...loop.acked.values()];
  await until(() => viewers.every((v) => ids.every((id) => v.ids.get(room)?.has(id))), 15_000, "every viewer to have every message");
  await Promise.all(viewers.map((v) => v.settled()));

  const deliveries = viewers.reduce((n, v) => n + (v.live.get(room)?.length ?? 0), 0);
  const refills = viewers.reduce((n, v) => n + v.gapsFilled, 0);
  console.log(`ordering: ${loop.acked.size} messages, ${deliveries} live deliveries, ${refills} gap re-joins (${((100 * refills) / deliveries).toFixed(3)}%)`);
  expect(deliveries).toBeGreaterThanOrEqual(24 * 240);
  expect(refills / deliveries).toBeLessThanOrEqual(0.001);
  for (const v of viewers) {
    const live = v.live.get(room) ?? [];
    expect(live, "live deliveries in history order").toEqual([...live].sort());
  }
});
