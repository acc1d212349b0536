/**
 * Issue #24, done-when: no silent rooms after the room's slot moves to another master (Redis then
 * SUNSUBSCRIBEs the channel's subscribers on the old one) and after a SIGKILL of the master that
 * owns it. After each fault a viewer already in the room must get the next posts, both replicas
 * must be subscribed on the new owner, and the leave/join swap, 10 times in rooms of that
 * slot, must leave no room silent. Own cluster; the replicas have no unsubscribe grace and a 1 s
 * watchdog.
 */
import { expect, it } from "vitest";
import { hashSlot } from "../../src/redis/hash-slot.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import type { RedisClusterHandle } from "../harness/redis-cluster.js";
import type { Replica } from "../harness/replica.js";
import type { ClusterNodeState } from "../harness/redis-cli.js";
import { join, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { useFaultCluster } from "../support/fault-cluster.js";
import { leaveJoinTrial, openLane, type ChurnLane } from "../support/room-churn.js";

const setup = useFaultCluster(2, { ROOM_SUBSCRIPTION_GRACE_MS: "0", SUBSCRIPTION_WATCHDOG_MS: "1000" });
const open: ChatClient[] = [];
setup.onTeardown(() => open.splice(0).forEach((c) => c.close()));

const SILENT_AFTER_MS = 5_000;
const room = `moved-${process.pid}`;
const slot = hashSlot(roomChannel(room));

/** `count` fresh room names whose channels hash to `slot` (so they move and fail over with it). */
function roomsInSlot(count: number): string[] {
  const rooms: string[] = [];
  for (let i = 0; rooms.length < count; i++) {
    const name = `${room}-${i}`;
    if (hashSlot(roomChannel(name)) === slot) rooms.push(name);
  }
  return rooms;
}

/** Subscribers of the room's channel on `port`. */
async function subscribersOn(cluster: RedisClusterHandle, port: number, channel: string): Promise<number> {
  return Number((await cluster.cli(port, "PUBSUB", "SHARDNUMSUB", channel)).trim().split("\n").at(-1));
}

/** Bounded poll: Redis has no event for a subscription count or a finished failover. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE of the slot's keys, SETSLOT NODE on every master. */
async function moveSlot(cluster: RedisClusterHandle, from: ClusterNodeState, to: ClusterNodeState): Promise<void> {
  await cluster.cli(to.port, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", from.id);
  await cluster.cli(from.port, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", to.id);
  for (;;) {
    const keys = (await cluster.cli(from.port, "CLUSTER", "GETKEYSINSLOT", String(slot), "100")).split("\n").filter(Boolean);
    if (keys.length === 0) break;
    await cluster.cli(from.port, "MIGRATE", to.host, String(to.port), "", "0", "5000", "AUTH", cluster.password, "KEYS", ...keys);
  }
  const masters = (await cluster.topology()).filter((n) => n.role === "master" && !n.failing);
  // The new owner first, then the old one (which then drops the slot's sharded subscribers), then the rest.
  for (const node of [to, from, ...masters.filter((m) => m.id !== to.id && m.id !== from.id)]) {
    await cluster.cli(node.port, "CLUSTER", "SETSLOT", String(slot), "NODE", to.id);
  }
}

/** Sends until one is acked ok (after a failover the first ones ack unavailable), bounded. */
async function sendUntilAcked(sender: ChatClient, text: string, ms: number): Promise<void> {
  const clientId = uniqueId();
  await eventually(() => sendChat(sender, room, text, { clientId }), (ack) => ack.ok, ms, `an ok ack for "${text}"`);
}

/**
 * After a fault: live delivery to the viewer in the room resumes (posts acked while replica A was
 * still moving its subscription miss it live; they are stored, and the next live message's `prev`
 * shows the client the gap), then 3 more posts arrive, both replicas hold the channel on its new
 * owner, and 10 leave/join swaps in rooms of the slot leave none silent.
 */
async function expectNoSilentRooms(lane: ChurnLane, viewer: ChatClient, what: string): Promise<void> {
  const cluster = setup.cluster();
  const got = (text: string) => lane.received.get(viewer)!.get(room)?.includes(text) ?? false;
  const start = Date.now();
  let posts = 0;
  for (let live = false; !live; ) {
    const text = `${what} until live ${++posts}`;
    await sendUntilAcked(lane.sender, text, 30_000);
    live = await until(() => got(text), 500, "").then(() => true, () => false);
    if (!live && Date.now() - start > 20_000) throw new Error(`replica A not live again 20 s after ${what}\nreplica A:\n${setup.replicas()[0]!.output.tail(40)}`);
  }
  console.log(`${what}: live on replica A again ${Date.now() - start} ms after the first post (${posts} posts)`);
  const texts = [1, 2, 3].map((i) => `${what} ${i}`);
  for (const text of texts) await sendUntilAcked(lane.sender, text, 10_000);
  await until(() => texts.every(got), 10_000, `posts after ${what} on replica A`);
  const owner = await cluster.masterFor(slot);
  await eventually(() => subscribersOn(cluster, owner.port, roomChannel(room)), (n) => n === 2, 15_000, `both replicas subscribed on the owner after ${what}`);
  const results = [];
  for (const trialRoom of roomsInSlot(10)) results.push(await leaveJoinTrial(lane, `${trialRoom}-${what.replace(/\W/g, "")}`, SILENT_AFTER_MS));
  const silent = results.filter((r) => r.silent > 0);
  console.log(`${what}: ${silent.length} silent rooms of ${results.length} swaps`);
  expect(silent, `silent rooms after ${what}`).toEqual([]);
}

it("no silent rooms after the room's slot moves to another master, then after that master's SIGKILL", { timeout: 150_000 }, async () => {
  const cluster = setup.cluster();
  const [a, b] = setup.replicas() as [Replica, Replica];
  // onA[0] and onA[1] churn in the trials' rooms; the viewer stays in `room` on A throughout.
  const lane = await openLane(a.url, b.url, 3, open);
  const viewer = lane.onA[2]!;
  const trialLane = { ...lane, onA: lane.onA.slice(0, 2) };
  for (const s of [viewer, lane.sender]) expect((await join(s, room)).ok).toBe(true);

  // Fault 1: the slot moves; Redis SUNSUBSCRIBEs its channels' subscribers on the old owner.
  const from = await cluster.masterFor(slot);
  const to = (await cluster.topology()).find((n) => n.role === "master" && !n.failing && n.id !== from.id)!;
  await moveSlot(cluster, from, to);
  expect((await cluster.masterFor(slot)).id).toBe(to.id);
  expect(await subscribersOn(cluster, from.port, roomChannel(room)), "the old owner dropped the channel's subscribers").toBe(0);
  await expectNoSilentRooms(trialLane, viewer, "slot move");

  // Fault 2: the new owner dies; its replica takes over.
  await cluster.killNode(to.port, "SIGKILL");
  const promoted = await eventually(() => cluster.masterFor(slot), (m) => m.port !== to.port, 30_000, "the slot's failover");
  expect(promoted.port).not.toBe(to.port);
  await expectNoSilentRooms(trialLane, viewer, "master SIGKILL");
});
