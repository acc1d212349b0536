/**
 * Trimming a room's stream (trim-lua.ts): never past what is unpublished (a burst larger than the
 * history before a WAIT-mode publish lost live messages: `XADD MAXLEN` trimmed them first) nor, with
 * an archive, past the archive checkpoint; history reads stay at most `historySize`.
 */
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { freshKeyPrefix, useSharedRedisClients } from "../../../test/support/shared-cluster-client.js";
import type { MessageDraft, PublishedEntry } from "../message-store.js";
import { waitForCount } from "../message-store.suite.js";
import { decodeEntries } from "./entries-payload.js";
import { RedisMessageStore } from "./redis-message-store.js";
import { roomChannel, roomKey } from "./room-channel.js";

const redis = useSharedRedisClients();
const keyPrefix = freshKeyPrefix();
const HISTORY = 5;
const user = { id: "u", name: "U", role: "viewer" as const };

interface Subscriber {
  sSubscribe(channel: string, listener: (message: Buffer) => void, buffers: true): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
}
interface Commands {
  xLen(key: string): Promise<number>;
  ttl(key: string): Promise<number>;
}

let writes: ReplicatedWrites | undefined;
const subscribed: string[] = [];
afterAll(async () => {
  const sub = redis().sub as Subscriber;
  await Promise.all(subscribed.map((room) => sub.sUnsubscribe(roomChannel(room))));
});

function store(archive: boolean): RedisMessageStore {
  const clients = redis();
  writes ??= new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger: pino({ level: "silent" }) });
  return new RedisMessageStore({ redis: clients.pub, writes }, { keyPrefix, historySize: HISTORY, archive });
}

async function watch(room: string): Promise<PublishedEntry[]> {
  const got: PublishedEntry[] = [];
  subscribed.push(room);
  await (redis().sub as Subscriber).sSubscribe(roomChannel(room), (raw) => got.push(...(decodeEntries(raw)?.entries ?? [])), true);
  return got;
}

const drafts = (tag: string, n: number): MessageDraft[] =>
  Array.from({ length: n }, (_, i) => ({ kind: "chat", text: `${tag}${i}`, user, dedupKey: `${tag}${i}`, sender: "" }));

const commands = () => redis().pub as unknown as Commands;

describe("trimming a room's stream", () => {
  it("delivers every acked message of a burst larger than the history before its publish (WAIT mode)", async () => {
    const s = store(false);
    const room = `burst-${Date.now()}`;
    const got = await watch(room);
    const outcomes = await s.append(room, drafts("b", 3 * HISTORY));
    const acked = outcomes.map((o) => o.id);
    expect(acked.every((id) => typeof id === "string")).toBe(true);
    await waitForCount(got, acked.length);
    expect(got.map((e) => e.id)).toEqual(acked);
    // Published now, so the stream is back to the history's size, and reads never exceed it.
    expect(await commands().xLen(roomKey(keyPrefix, room, "h"))).toBe(HISTORY);
    const history = await s.history(room);
    expect(history.messages.map((m) => m.id)).toEqual(acked.slice(-HISTORY));
  });

  it("keeps every unarchived entry (and no TTL) while an archive checkpoint is behind", async () => {
    const s = store(true);
    const room = `behind-${Date.now()}`;
    const got = await watch(room);
    const acked = (await s.append(room, drafts("a", 4 * HISTORY))).map((o) => o.id!);
    await waitForCount(got, acked.length);
    const stream = roomKey(keyPrefix, room, "h");
    expect(await commands().xLen(stream)).toBe(4 * HISTORY);
    expect(await commands().ttl(stream)).toBe(-1);
    const fresh = await s.history(room);
    expect(fresh.messages).toHaveLength(HISTORY);
    // A since with more than the history after it is a fresh start, not a partial recovery.
    const since = await s.history(room, acked[0]);
    expect(since.recovered).toBe(false);
    expect(since.messages.map((m) => m.id)).toEqual(acked.slice(-HISTORY));
    const recent = await s.history(room, acked.at(-3));
    expect(recent).toMatchObject({ recovered: true });
    expect(recent.messages.map((m) => m.id)).toEqual(acked.slice(-2));
  });
});
