/**
 * Issue "hardening", fault (a): SIGKILL the Redis master that owns a room's channel and keys while
 * clients chat there. After the failover, messages flow again on every replica and every client
 * ends with every acked message, once. Runs on a cluster of its own (it kills a node).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRedisCluster, type RedisClusterHandle } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { connectClient, join, nextEvent, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let cluster: RedisClusterHandle;
let replicas: Replica[] = [];
const sockets: ChatClient[] = [];
const viewers: ChatViewer[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
  replicas = await startReplicas(3, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ...FAST } });
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const v of viewers.splice(0)) v.close();
  await Promise.all(replicas.map((r) => r.stop()));
  await cluster?.stop();
});

/** A room whose pub/sub channel and history keys are both on one master. */
async function roomOnOneMaster(): Promise<{ room: string; port: number }> {
  for (let i = 0; i < 200; i++) {
    const room = `fo-${process.pid}-${i}`;
    const channel = await cluster.masterFor(`socket.io#/#${room}#`);
    const keys = await cluster.masterFor(`chat:{${room}}:h`);
    if (channel.port === keys.port) return { room, port: channel.port };
  }
  throw new Error("no room found on one master");
}

/** Sends with one clientId until acked ok (a real client's retry), bounded in time. */
async function sendUntilOk(s: ChatClient, room: string, text: string, deadlineMs: number): Promise<string | null> {
  const clientId = uniqueId("fo");
  while (Date.now() < deadlineMs) {
    const ack = await sendChat(s, room, text, { clientId }).catch(() => null);
    if (ack?.ok) return ack.id;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

it("recovers from a master failover with no acked message lost and none repeated", { timeout: 120_000 }, async () => {
  const { room, port: victim } = await roomOnOneMaster();
  for (const r of replicas) viewers.push(await ChatViewer.connect(r.url, [room]));
  const senders: ChatClient[] = [];
  for (const r of replicas) {
    const s = await connectClient(r.url);
    sockets.push(s);
    senders.push(s);
    expect((await join(s, room)).ok).toBe(true);
  }

  const acked: string[] = [];
  let stop = false;
  let killedAt = 0;
  let ackedAfterKill = 0;
  const loops = senders.map(async (s, si) => {
    for (let i = 0; !stop && i < 2_000; i++) {
      const id = await sendUntilOk(s, room, `s${si} m${i}`, Date.now() + 30_000);
      if (!id) throw new Error("a send was not acked within 30 s of retrying");
      acked.push(id);
      if (killedAt) ackedAfterKill++;
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  await until(() => acked.length >= 30, 20_000, "traffic before the kill");
  await cluster.killNode(victim, "SIGKILL");
  killedAt = Date.now();
  await until(() => ackedAfterKill >= 30, 60_000, "sends acked again after the failover");
  stop = true;
  await Promise.all(loops);

  // Messages flow live again in that room on every replica.
  for (const [i, v] of viewers.entries()) {
    const marker = `live after failover ${i}`;
    let got = false;
    for (let attempt = 0; attempt < 20 && !got; attempt++) {
      const next = nextEvent(v.socket, "chat:message", (m) => m.text === `${marker} ${attempt}`, 1_000);
      await sendChat(senders[(i + 1) % senders.length]!, room, `${marker} ${attempt}`);
      got = await next.then(() => true, () => false);
    }
    expect(got, `replica ${i} receives live messages again`).toBe(true);
  }

  // Each viewer fills gaps live (prev chain) and by re-joining on another replica.
  for (const [i, v] of viewers.entries()) {
    await v.settled();
    await v.reconnect(replicas[(i + 1) % replicas.length]!.url);
    const ids = v.ids.get(room)!;
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing, `viewer ${i} misses acked messages`).toEqual([]);
    const live = v.live.get(room) ?? [];
    expect(new Set(live).size, `viewer ${i} got a live message twice`).toBe(live.length);
  }
});
