/**
 * Issue "hardening", fault (b): SIGTERM a replica under load. Its clients reconnect to the other
 * replicas and recover, nothing acked is lost, and the process exits 0 within its deadline.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startReplica, startReplicas, type Replica } from "../harness/replica.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { connectClient, join, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let replicas: Replica[] = [];
const sockets: ChatClient[] = [];
const SHUTDOWN_TIMEOUT_MS = 8_000;

beforeAll(async () => {
  replicas = await startReplicas(2, { env: { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, AUTH_SECRET: TEST_SECRET, ...FAST } });
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(replicas.map((r) => r.stop()));
});

it("drains a replica on SIGTERM: clients move and recover, nothing acked is lost, exit 0 in time", { timeout: 60_000 }, async () => {
  const draining = await startReplica({
    env: {
      REDIS_CLUSTER_NODES: inject("redisCluster").seeds,
      AUTH_SECRET: TEST_SECRET,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      DRAIN_DELAY_MS: "500",
      ...FAST,
    },
  });
  const room = uniqueId("drain");
  // Viewers on the draining replica; senders on it and on a surviving one.
  const viewers = await Promise.all([0, 1, 2].map(() => ChatViewer.connect(draining.url, [room])));
  const survivors = replicas.map((r) => r.url);
  const moved: Promise<void>[] = [];
  for (const [i, v] of viewers.entries()) {
    // What a client behind the load balancer sees: the transport closes, it reconnects elsewhere.
    v.socket.once("disconnect", () => moved.push(v.reconnect(survivors[i % survivors.length]!)));
  }
  const senders: ChatClient[] = [];
  for (const url of [draining.url, survivors[0]!]) {
    const s = await connectClient(url);
    sockets.push(s);
    await join(s, room);
    senders.push(s);
  }
  const acked: string[] = [];
  let stop = false;
  const loops = senders.map(async (s, si) => {
    for (let i = 0; !stop && i < 1_000; i++) {
      if (!s.connected) return; // the drained sender's connection is gone: its later sends are not acked
      const ack = await sendChat(s, room, `s${si} m${i}`).catch(() => null);
      if (ack?.ok) acked.push(ack.id);
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  await until(() => acked.length >= 40, 10_000, "load before SIGTERM");
  const termAt = Date.now();
  draining.kill("SIGTERM");
  const exit = await draining.exited;
  const took = Date.now() - termAt;
  await until(() => moved.length === viewers.length, 10_000, "viewers to be moved");
  await Promise.all(moved);
  await new Promise((r) => setTimeout(r, 200)); // a few more sends land after the move
  stop = true;
  await Promise.all(loops);

  expect(exit).toEqual({ code: 0, signal: null });
  expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  // Everyone recovers every acked message: fill any gap, then re-join once more.
  for (const v of viewers) {
    await v.settled();
    await v.reconnect(survivors[1]!);
    const ids = v.ids.get(room)!;
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);
    v.close();
  }
});
