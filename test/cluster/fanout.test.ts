/**
 * Issue "scale out", done-when: 3 replicas on the shared 6-node cluster behave as one chat, room
 * traffic stays on sharded pub/sub, and a 20-character room is routed like any other.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCluster } from "redis";
import { mintToken } from "../../src/auth/token.js";
import type { ChatMessage, Notice } from "../../src/protocol/index.js";
import { attachRedisCluster, type RedisClusterClient } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { call, join, nextEvent, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { ClientPool } from "../support/use-clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let cluster: RedisClusterClient;
let replicas: Replica[] = [];
/** Every client the file opens, closed before the replicas stop. */
const clients = new ClientPool();
const client = (replica: Replica, auth = {}) => clients.connect(replica, auth);

/** Channel of a room on the sharded adapter (socket.io-redis naming): its slot picks the shard. */
const channelOf = (room: string) => `socket.io#/#${room}#`;

/** Room ids whose channels are owned by different masters, one per master. */
async function roomsOnEveryShard(): Promise<string[]> {
  const byMaster = new Map<string, string>();
  for (let i = 0; byMaster.size < 3 && i < 500; i++) {
    const room = `shard-${process.pid}-${i}`;
    const master = await cluster.masterFor(channelOf(room));
    if (!byMaster.has(master.id)) byMaster.set(master.id, room);
  }
  expect(byMaster.size).toBe(3);
  return [...byMaster.values()];
}

beforeAll(async () => {
  cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(3, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ...FAST } });
});

afterAll(async () => {
  clients.closeAll();
  await Promise.all(replicas.map((r) => r.stop()));
});

describe("fan-out over 3 replicas", () => {
  it("delivers every chat message and notice to every other member on every replica exactly once, never the sender", async () => {
    const rooms = [...(await roomsOnEveryShard()), "x".repeat(20)];
    const streamerToken = await mintToken({ sub: "s-fan", name: "Streamer", role: "streamer", rooms }, TEST_SECRET);
    // Two viewers per replica and the streamer on replica 0.
    const members: ChatClient[] = [];
    for (const r of replicas) members.push(await client(r), await client(r));
    const streamer = await client(replicas[0]!, { token: streamerToken });
    members.push(streamer);
    const got = new Map<ChatClient, (ChatMessage | Notice)[]>();
    for (const m of members) {
      got.set(m, []);
      m.on("chat:message", (msg) => got.get(m)!.push(msg));
      m.on("notice", (n) => got.get(m)!.push(n));
      for (const room of rooms) expect((await join(m, room)).ok).toBe(true);
    }
    // Every member sends one message per room; the streamer also posts a notice per room.
    const sent = new Map<string, ChatClient>();
    await Promise.all(
      members.map(async (m, i) => {
        for (const room of rooms) {
          const ack = await sendChat(m, room, `from ${i} in ${room}`);
          if (!ack.ok) throw new Error(JSON.stringify(ack));
          sent.set(`${room}|${ack.id}`, m);
        }
      }),
    );
    for (const room of rooms) {
      const ack = await call<{ ok: boolean; id: string }>(streamer, "notice:send", { room, text: `notice ${room}`, clientId: uniqueId() });
      expect(ack.ok).toBe(true);
      sent.set(`${room}|${ack.id}`, streamer);
    }
    const expectedPer = (m: ChatClient) => [...sent.values()].filter((s) => s !== m).length;
    await until(() => members.every((m) => got.get(m)!.length >= expectedPer(m)), 15_000, "all deliveries");
    // Barrier for late duplicates: one more round trip through every replica.
    const barrierRoom = rooms[0]!;
    const barriers = members.filter((m) => m !== members[0]).map((m) => nextEvent(m, "chat:message", (x) => x.text === "barrier"));
    await sendChat(members[0]!, barrierRoom, "barrier");
    await Promise.all(barriers);
    for (const m of members) {
      const ids = got.get(m)!.filter((x) => x.text !== "barrier").map((x) => `${x.room}|${x.id}`);
      expect(new Set(ids).size).toBe(ids.length); // exactly once
      expect(ids.length).toBe(expectedPer(m));
      for (const key of ids) expect(sent.get(key)).not.toBe(m); // never the sender
      for (const key of ids) expect(sent.has(key)).toBe(true);
    }
  });

  it("sends a 20-character room's broadcasts on its own sharded channel, not the namespace-wide one", async () => {
    const room = uniqueId("r").padEnd(20, "z").slice(0, 20);
    expect(room).toHaveLength(20);
    const spy = createCluster({ rootNodes: cluster.seeds.split(",").map((s) => ({ url: `redis://${s}` })), defaults: { password: cluster.password } });
    spy.on("error", () => {});
    await spy.connect();
    const onNamespace: string[] = [];
    const onRoom: string[] = [];
    await spy.sSubscribe("socket.io#/#", (msg) => onNamespace.push(msg));
    await spy.sSubscribe(channelOf(room), (msg) => onRoom.push(msg));
    try {
      const a = await client(replicas[0]!);
      const b = await client(replicas[1]!);
      await join(a, room);
      await join(b, room);
      for (let i = 0; i < 5; i++) {
        const next = nextEvent(b, "chat:message", (m) => m.text === `twenty ${i}`);
        await sendChat(a, room, `twenty ${i}`);
        await next;
      }
      await until(() => onRoom.filter((m) => m.includes("twenty")).length === 5, 5_000, "room channel traffic");
      expect(onNamespace.filter((m) => m.includes(room))).toEqual([]);
    } finally {
      await spy.close();
    }
  });

  it("keeps room traffic off classic PUBLISH: only the owning shard forwards it", async () => {
    const [room] = await roomsOnEveryShard();
    const owner = await cluster.masterFor(channelOf(room!));
    const a = await client(replicas[0]!);
    const b = await client(replicas[2]!);
    await join(a, room!);
    await join(b, room!);
    const stats = async () =>
      Promise.all(
        cluster.nodes.map(async (n) => {
          const info = await cluster.clusterInfo(n.port);
          return {
            port: n.port,
            publish: Number(info.cluster_stats_messages_publish_sent ?? 0),
            shard: Number(info.cluster_stats_messages_publishshard_sent ?? 0),
          };
        }),
      );
    const before = await stats();
    const seen = record(b, "chat:message");
    for (let i = 0; i < 50; i++) expect((await sendChat(a, room!, `burst ${i}`)).ok).toBe(true);
    await until(() => seen.length === 50, 10_000, "burst delivered");
    const after = await stats();
    for (const [i, n] of after.entries()) expect(n.publish, `publish_sent on ${n.port}`).toBe(before[i]!.publish);
    const ownerIdx = cluster.nodes.findIndex((n) => n.port === owner.port);
    expect(after[ownerIdx]!.shard - before[ownerIdx]!.shard).toBeGreaterThanOrEqual(50);
  });
});

describe("viewer counts over replicas", () => {
  it("counts viewers on every replica and drops a crashed replica's viewers", async () => {
    const extra = await startReplicas(1, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ...FAST } });
    const doomed = extra[0]!;
    const room = uniqueId("v");
    try {
      const watcher = await client(replicas[0]!);
      await join(watcher, room);
      const counts: number[] = [];
      watcher.on("room:viewers", (v) => v.room === room && counts.push(v.count));
      for (const r of replicas.slice(1)) await join(await client(r), room);
      for (let i = 0; i < 3; i++) await join(await client(doomed), room);
      await until(() => counts.at(-1) === 6, 10_000, "count 6 over 4 replicas");
      const killedAt = Date.now();
      doomed.kill("SIGKILL");
      await doomed.exited;
      await until(() => counts.at(-1) === 3, 20_000, "crashed replica's viewers to drop out");
      expect(Date.now() - killedAt).toBeLessThan(16_000);
    } finally {
      await doomed.stop();
    }
  });
});
