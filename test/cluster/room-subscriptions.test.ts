/**
 * Issue #24, done-when: a room's last local member leaving as another local socket joins must not
 * leave the replica unsubscribed. Two replicas on the shared cluster, with no unsubscribe grace so
 * every emptied room really unsubscribes (the hardest case for the per-channel queue).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { attachRedisCluster, type RedisClusterClient } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { uniqueId, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";
import { burstTrial, channelSubscribers, leaveAll, leaveJoinTrial, openLane, type ChurnLane } from "../support/room-churn.js";

let cluster: RedisClusterClient;
let replicas: Replica[] = [];
const open: ChatClient[] = [];

/** How long a member may take to get posts that were already acked before it counts as silent. */
const SILENT_AFTER_MS = 5_000;

beforeAll(async () => {
  cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(2, {
    env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ROOM_SUBSCRIPTION_GRACE_MS: "0", ...FAST },
  });
});

afterAll(async () => {
  for (const c of open.splice(0)) c.close();
  await Promise.all(replicas.map((r) => r.stop()));
});

async function lanes(count: number, socketsOnA: number): Promise<ChurnLane[]> {
  const [a, b] = replicas as [Replica, Replica];
  return Promise.all(Array.from({ length: count }, () => openLane(a.url, b.url, socketsOnA, open)));
}

describe("a room's subscription under churn (2 replicas)", () => {
  it("the issue's scenario 50 times: the last member leaves as another joins, the joiner gets the posts", { timeout: 120_000 }, async () => {
    // 10 lanes at once, 5 trials each, each trial in a fresh room.
    const results = (
      await Promise.all(
        (await lanes(10, 2)).map(async (lane) => {
          const mine = [];
          for (let i = 0; i < 5; i++) mine.push(await leaveJoinTrial(lane, uniqueId("swap"), SILENT_AFTER_MS, cluster));
          return mine;
        }),
      )
    ).flat();
    const silent = results.filter((r) => r.silent > 0);
    console.log(`leave/join swap: ${silent.length} silent rooms of ${results.length}`);
    expect(results).toHaveLength(50);
    expect(silent, "rooms where the joiner on A got nothing (subscribers = what Redis lists)").toEqual([]);
    // The queue alone kept every subscription: no join's probe was lost and had to be repaired.
    const metrics = await (await fetch(`${replicas[0]!.url}/metrics`)).text();
    expect(metrics).toContain("# TYPE chat_subscription_repairs_total counter");
    expect(metrics).not.toMatch(/^chat_subscription_repairs_total\{kind="probe_lost"\}/m);
  });

  it("leave/join bursts from 3 sockets: every final member gets the posts, and an emptied room is unsubscribed", { timeout: 120_000 }, async () => {
    const endings = [
      [true, false, false],
      [false, true, true],
      [false, false, true],
      [true, true, true],
      [false, false, false],
      [false, false, false],
    ];
    const all = await lanes(endings.length * 3, 3);
    const results = await Promise.all(
      all.map((lane, i) => burstTrial(lane, uniqueId("burst"), 8, endings[i % endings.length]!, SILENT_AFTER_MS)),
    );
    const silent = results.filter((r) => r.silent > 0);
    console.log(`bursts: ${silent.length} silent rooms of ${results.filter((r) => r.members > 0).length} with members`);
    expect(silent).toEqual([]);
    // Subscribed exactly when the room has local members: an emptied room drops A's subscription
    // (only B's sender is left subscribed). Redis has no event for that: poll, bounded.
    const emptied = results.filter((r) => r.members === 0).map((r) => r.room);
    for (const room of emptied) {
      let n = -1;
      const deadline = Date.now() + 5_000;
      while ((n = await channelSubscribers(cluster, room)) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(n, `subscribers of emptied room ${room}`).toBe(1);
    }
    await Promise.all(all.map((lane, i) => leaveAll(lane, results[i]!.room)));
  });
});
