/**
 * Issue #24's scenario and its bursts, shared by the cluster and the fault tests: a room's last
 * local member leaves while another local socket joins, then a sender on another replica posts;
 * a replica that lost the room's subscription leaves the joiner silent for good.
 */
import type { RedisClusterClient } from "../harness/redis-cluster.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { call, connectClient, join, sendChat, until, type ChatClient } from "./clients.js";

/** Messages the sender posts after each churn; the "3 messages". */
const POSTS = 3;

/** Sockets of one lane: two on replica A (the churning one), the sender on replica B. */
export interface ChurnLane {
  onA: ChatClient[];
  sender: ChatClient;
  /** Texts received per socket and room. */
  received: Map<ChatClient, Map<string, string[]>>;
}

export interface TrialResult {
  room: string;
  /** Sockets on A that are members at the end and did not get every post. */
  silent: number;
  /** What Redis says: subscribers of the room's channel (A and B both subscribed = 2). */
  subscribers?: number;
}

/** Opens a lane: `count` sockets on A (at least 2), one sender on B; `open` collects them for cleanup. */
export async function openLane(urlA: string, urlB: string, count: number, open: ChatClient[]): Promise<ChurnLane> {
  const onA = await Promise.all(Array.from({ length: count }, () => connectClient(urlA)));
  const sender = await connectClient(urlB);
  open.push(...onA, sender);
  const received = new Map<ChatClient, Map<string, string[]>>();
  for (const s of onA) {
    const rooms = new Map<string, string[]>();
    received.set(s, rooms);
    s.on("chat:message", (m) => {
      const list = rooms.get(m.room) ?? [];
      list.push(m.text);
      rooms.set(m.room, list);
    });
  }
  return { onA, sender, received };
}

/**
 * Joins as a client must: an `unavailable` ack (the subscription's probe did not come back within
 * the join's deadline, e.g. on a starved machine) is retried, as the protocol tells clients to. A
 * silent room still fails the trial: the retried join acks ok and the posts must then arrive.
 */
async function mustJoin(socket: ChatClient, room: string): Promise<void> {
  let ack = await join(socket, room);
  for (let retry = 0; retry < 3 && !ack.ok && ack.error.code === "unavailable"; retry++) ack = await join(socket, room);
  if (!ack.ok) throw new Error(`join ${room}: ${JSON.stringify(ack)}`);
}

async function mustLeave(socket: ChatClient, room: string): Promise<void> {
  const ack = await call<{ ok: boolean }>(socket, "room:leave", { room });
  if (!ack.ok) throw new Error(`leave ${room}: ${JSON.stringify(ack)}`);
}

/** Subscribers of the room's channel on its master (each replica's subscriber connection counts once). */
export async function channelSubscribers(cluster: RedisClusterClient, room: string): Promise<number> {
  const channel = roomChannel(room);
  const master = await cluster.masterFor(channel);
  const reply = await cluster.cli(master.port, "PUBSUB", "SHARDNUMSUB", channel);
  return Number(reply.trim().split("\n").at(-1));
}

/**
 * Posts from B, then waits (bounded) until every member on A got every post. The posts are acked
 * before the wait starts, so a member that has not got them within `waitMs` is silent.
 */
async function postAndCount(lane: ChurnLane, room: string, members: ChatClient[], tag: string, waitMs: number): Promise<number> {
  const texts = Array.from({ length: POSTS }, (_, i) => `${tag} ${i}`);
  for (const text of texts) {
    const ack = await sendChat(lane.sender, room, text);
    if (!ack.ok) throw new Error(`send in ${room}: ${JSON.stringify(ack)}`);
  }
  const got = (s: ChatClient) => texts.every((t) => lane.received.get(s)!.get(room)?.includes(t));
  await until(() => members.every(got), waitMs, "posts on A").catch(() => undefined);
  return members.filter((s) => !got(s)).length;
}

/**
 * The trial in a fresh room: X (the room's only member on A) leaves while Y (on A) joins,
 * both sent back to back; B posts 3 messages; Y must get them.
 */
export async function leaveJoinTrial(lane: ChurnLane, room: string, waitMs: number, cluster?: RedisClusterClient): Promise<TrialResult> {
  const [x, y] = lane.onA as [ChatClient, ChatClient];
  await mustJoin(lane.sender, room);
  await mustJoin(x, room);
  // Emitted in this order in one tick: the leave's SUNSUBSCRIBE is in flight when the join's SSUBSCRIBE goes.
  await Promise.all([mustLeave(x, room), mustJoin(y, room)]);
  const silent = await postAndCount(lane, room, [y], "after the swap", waitMs);
  // Only for a failure message: what Redis says about the silent room.
  const subscribers = cluster && silent > 0 ? await channelSubscribers(cluster, room) : undefined;
  await Promise.all([mustLeave(y, room), mustLeave(lane.sender, room)]);
  return { room, silent, subscribers };
}

/**
 * Leave/join bursts: every socket on A sends `ops` alternating joins and leaves back to back (not
 * awaiting each), all sockets at once, so the room empties and fills again many times; once all
 * are acked, every socket leaves and those that must end as members (`endJoined[i]`) join again
 * right behind their leave, all at once: the room's last leave meets joins. Then B posts and every
 * final member must get the posts.
 */
export async function burstTrial(
  lane: ChurnLane,
  room: string,
  ops: number,
  endJoined: boolean[],
  waitMs: number,
): Promise<TrialResult & { members: number }> {
  await mustJoin(lane.sender, room);
  await Promise.all(lane.onA.flatMap((s) => Array.from({ length: ops }, (_, k) => (k % 2 === 0 ? mustJoin(s, room) : mustLeave(s, room)))));
  await Promise.all(lane.onA.map((s, i) => Promise.all([mustLeave(s, room), ...(endJoined[i] ? [mustJoin(s, room)] : [])])));
  const members = lane.onA.filter((_, i) => endJoined[i]);
  const silent = members.length > 0 ? await postAndCount(lane, room, members, "after the burst", waitMs) : 0;
  return { room, silent, members: members.length };
}

/** Leaves `room` with every socket of the lane (no-op where not a member). */
export async function leaveAll(lane: ChurnLane, room: string): Promise<void> {
  await Promise.all([...lane.onA, lane.sender].map((s) => mustLeave(s, room)));
}
