/**
 * Issue "delivery", fault 4 (and issue "hardening" fault a): under load, SIGKILL the Redis master
 * that owns a room, then (once the old master is back as a replica) SIGKILL the room's replica.
 * Sends ack again within 10 s of each fault; every viewer, on every replica, ends with every stored
 * message exactly once, live deliveries in history order, nothing that is not stored. Own cluster.
 */
import { expect, it } from "vitest";
import { hashSlot } from "../../src/redis/hash-slot.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { until } from "../support/clients.js";
import { useFaultCluster } from "../support/fault-cluster.js";
import { SendLoop, expectStoredExactlyOnce } from "../support/fault-traffic.js";

const setup = useFaultCluster(3);
const viewers: ChatViewer[] = [];
setup.onTeardown(() => viewers.splice(0).forEach((v) => v.close()));

it("survives a master SIGKILL and a replica SIGKILL under load: acks again within 10 s, every viewer gets every stored message once, in order", { timeout: 180_000 }, async () => {
  const cluster = setup.cluster();
  const room = `fo-${process.pid}`;
  const slot = hashSlot(roomChannel(room));
  for (const r of setup.replicas()) for (let i = 0; i < 2; i++) viewers.push(await ChatViewer.connect(r.url, [room]));
  const senders = await setup.joinedClients(room);
  const loop = new SendLoop(senders, room, { pauseMs: 60 }).start();
  await until(() => loop.acked.size >= 30, 20_000, "traffic before the first fault");

  // Fault 1: the room's master dies.
  const master = (await cluster.masterFor(slot)).port;
  const killedMasterAt = Date.now();
  await cluster.killNode(master, "SIGKILL");
  const ackedBefore = loop.acked.size;
  await until(() => loop.acked.size >= ackedBefore + 30, 30_000, "sends acked again after the master's death");
  const afterMasterKill = loop.firstAckAfter(killedMasterAt)!;

  // The old master comes back as the new master's replica; then that replica dies.
  await cluster.restartNode(master);
  await cluster.waitUntilHealthy(30_000);
  const promoted = await cluster.masterFor(slot);
  expect(promoted.port, "the old master's replica took over").not.toBe(master);
  const replica = (await cluster.topology()).find((n) => n.role === "replica" && n.masterId === promoted.id);
  expect(replica, "the room's master has a replica again").toBeDefined();
  const killedReplicaAt = Date.now();
  await cluster.killNode(replica!.port, "SIGKILL");
  const ackedBeforeSecond = loop.acked.size;
  await until(() => loop.acked.size >= ackedBeforeSecond + 30, 30_000, "sends acked again after the replica's death");
  const afterReplicaKill = loop.firstAckAfter(killedReplicaAt)!;
  await loop.stop();

  console.log(`failover: first ack ${afterMasterKill} ms after the master's death, ${afterReplicaKill} ms after the replica's; ${loop.acked.size} acked, ${loop.failures} retried`);
  expect(afterMasterKill, "acks again within 10 s of the master's death").toBeLessThan(10_000);
  expect(afterReplicaKill, "acks again within 10 s of the replica's death").toBeLessThan(10_000);

  const history = await expectStoredExactlyOnce(cluster.seeds, room, loop.acked);
  const stored = history.map((e) => e.id);
  // A last message names the newest entry in `prev`: a viewer that missed anything fills it now.
  const marker = await new SendLoop([senders[0]!], room).start();
  await until(() => marker.acked.size >= 1, 10_000, "a last message");
  await marker.stop();
  stored.push(...marker.acked.values());
  for (const [i, v] of viewers.entries()) {
    await until(() => stored.every((id) => v.ids.get(room)?.has(id)), 15_000, `viewer ${i} to have every stored message`).catch(() => undefined);
    await v.settled();
    const ids = v.ids.get(room)!;
    expect(stored.filter((id) => !ids.has(id)), `viewer ${i} misses stored messages`).toEqual([]);
    expect([...ids].filter((id) => !stored.includes(id)), `viewer ${i} has messages that are not stored`).toEqual([]);
    const live = v.live.get(room) ?? [];
    expect(new Set(live).size, `viewer ${i} got a live message twice`).toBe(live.length);
    expect(live, `viewer ${i} got live messages out of history order`).toEqual([...live].sort());
  }
});
