/**
 * Issue 23: GET /api/v1/cluster over two replica processes on the suite's Redis Cluster. The view
 * (from either replica) must show the clients this test connected, per replica and in all, the
 * rooms each counted once, the busiest rooms; and a SIGKILLed replica must show late, then drop
 * out within its heartbeat's TTL.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ClusterView, ReplicaView } from "../../src/protocol/index.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { join, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { FAST } from "../support/embedded-server.js";
import { ClientPool } from "../support/use-clients.js";

const KEY = "cluster-view-test-key-0001";
/** The heartbeat's defaults (src/ops/heartbeat.ts): a beat every 2 s, counted for 3. */
const BEAT_MS = 2_000;
const TTL_MS = 3 * BEAT_MS;
// Other files' replicas share the suite's Redis Cluster: this file's are a cluster of their own.
const CLUSTER = uniqueId("view").replace(/[^\w-]/g, "");

let a: Replica;
let b: Replica;
const clients = new ClientPool();

async function view(replica: Replica): Promise<ClusterView> {
  const res = await fetch(`${replica.url}/api/v1/cluster`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ClusterView;
}

/** Polls `replica`'s view until `done` holds; the beats come every 2 s, so there is no event to await. */
async function viewUntil(replica: Replica, done: (v: ClusterView) => boolean, what: string, ms = 15_000): Promise<ClusterView> {
  const deadline = Date.now() + ms;
  let last: ClusterView | undefined;
  while (Date.now() < deadline) {
    last = await view(replica);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms; last view ${JSON.stringify(last)}`);
}

const row = (v: ClusterView, r: Replica): ReplicaView | undefined => v.replicas.find((x) => x.id === r.replicaId);

async function connect(replica: Replica, rooms: string[]): Promise<ChatClient> {
  const c = await clients.connect(replica);
  for (const room of rooms) expect((await join(c, room)).ok).toBe(true);
  return c;
}

beforeAll(async () => {
  const env = { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, API_KEYS: KEY, CLUSTER_NAME: CLUSTER, ...FAST };
  [a, b] = (await startReplicas(2, { env })) as [Replica, Replica];
}, 90_000);

afterAll(async () => {
  clients.closeAll();
  await stopReplicas([a, b].filter(Boolean));
});

describe("the cluster view over two replicas", () => {
  it("shows the clients connected, per replica and in all, each room once, and the busiest rooms; either replica answers", async () => {
    const [r1, r2, r3] = [uniqueId("r1"), uniqueId("r2"), uniqueId("r3")];
    const onA = await Promise.all([connect(a, [r1, r2]), connect(a, [r1]), connect(a, [r1])]);
    await Promise.all([connect(b, [r1, r3]), ...[1, 2, 3, 4].map(() => connect(b, [r1]))]);

    const settled = (v: ClusterView) =>
      row(v, a)?.connections === 3 && row(v, b)?.connections === 5 && v.totals.rooms === 3 && v.topRooms.byViewers[0]?.viewers === 8;
    const fromA = await viewUntil(a, settled, "both replicas' clients in A's view");
    expect(fromA.cluster).toBe(CLUSTER);
    expect(fromA.replicas.map((r) => r.id).sort()).toEqual([a.replicaId, b.replicaId].sort());
    expect(fromA.replicas.every((r) => r.state === "up" && r.ageMs <= 2 * BEAT_MS)).toBe(true);
    expect(row(fromA, a)).toMatchObject({ connections: 3, rooms: 2, address: `127.0.0.1:${a.port}` });
    expect(row(fromA, b)).toMatchObject({ connections: 5, rooms: 2, address: `127.0.0.1:${b.port}` });
    // r1 has members on both replicas and is counted once: 3 rooms, not 4.
    expect(fromA.totals).toMatchObject({ replicasUp: 2, connections: 8, rooms: 3, slowConsumers: 0, shortfalls: { refused: 0, degraded: 0 } });
    expect(fromA.topRooms.byViewers).toEqual([
      { room: r1, viewers: 8 },
      { room: r2, viewers: 1 },
      { room: r3, viewers: 1 },
    ]);
    const fromB = await viewUntil(b, settled, "the same in B's view");
    expect(fromB.totals).toEqual(fromA.totals);

    // Messages into r1 on A (one every 100 ms) until a beat shows them: A stores them, B delivers them to its 5.
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending && i < 200; i++) {
        await sendChat(onA[0]!, r1, `m${i}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const busy = await viewUntil(a, (v) => v.topRooms.byMessages[0]?.room === r1 && (row(v, b)?.deliveriesPerSec ?? 0) > 0 && (row(v, a)?.messagesPerSec ?? 0) > 0, "r1's traffic");
      expect(busy.totals.messagesPerSec).toBeGreaterThan(0);
      // Every message is stored by A alone: the room's rate is A's.
      expect(busy.topRooms.byMessages[0]!.messagesPerSec).toBe(row(busy, a)!.messagesPerSec);
      expect(row(busy, b)!.messagesPerSec).toBe(0);
    } finally {
      sending = false;
      await traffic;
    }
  });

  it("shows a SIGKILLed replica late, then drops it within its heartbeat's TTL", async () => {
    const before = await view(a);
    expect(row(before, b)?.state).toBe("up");
    b.kill("SIGKILL");
    await b.exited;
    let late = false;
    let oldest = 0;
    const after = await viewUntil(
      a,
      (v) => {
        const seen = row(v, b);
        if (seen?.state === "late") late = true;
        oldest = Math.max(oldest, seen?.ageMs ?? 0);
        return seen === undefined;
      },
      "B gone from A's view",
      TTL_MS + 8_000,
    );
    // Ages are by Redis's clock at each read, so this holds however slow the machine: B was never
    // listed with a beat older than its TTL, and it was listed late once it missed two beats.
    expect(oldest).toBeLessThan(TTL_MS);
    expect(late, "B was shown late before it dropped out").toBe(true);
    expect(after.totals).toMatchObject({ replicasUp: 1, connections: 3 });
    expect(after.replicas.map((r) => r.id)).toEqual([a.replicaId]);
  });
});
