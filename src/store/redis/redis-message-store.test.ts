import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { MessageStoreOptions, PublishedEntry } from "../message-store.js";
import type { ModerationNotice } from "../moderation-notice.js";
import { heldMessagesSuite } from "../held-messages.suite.js";
import { decodeNotices, isNoticesPayload } from "./notices-payload.js";
import { decodeEntries } from "./entries-payload.js";
import { roomChannel } from "./room-channel.js";
import { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { freshKeyPrefix, useSharedRedisClients } from "../../../test/support/shared-cluster-client.js";
import { messageStoreSuite, waitForCount, type StoreUnderTest } from "../message-store.suite.js";
import { RedisMessageStore } from "./redis-message-store.js";

const redis = useSharedRedisClients();
// One prefix per file (rooms are unique per test), so two store instances share a room's keys.
const keyPrefix = freshKeyPrefix();

interface Subscriber {
  sSubscribe(channel: string, listener: (message: Buffer) => void, buffers: true): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
}

let writes: ReplicatedWrites | undefined;

const onCluster = async (options: Partial<MessageStoreOptions>): Promise<StoreUnderTest> => {
  const clients = redis();
  // One per file, as one per process in production (it tracks each node connection).
  writes ??= new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger: pino({ level: "silent" }) });
  const store = new RedisMessageStore({ redis: clients.pub, writes }, { keyPrefix, ...options });
  const published = new Map<string, PublishedEntry[]>();
  const notices = new Map<string, ModerationNotice[]>();
  const sub = clients.sub as Subscriber;
  return {
    store,
    async watch(room) {
      const list: PublishedEntry[] = [];
      const told: ModerationNotice[] = [];
      published.set(room, list);
      notices.set(room, told);
      await sub.sSubscribe(
        roomChannel(room),
        (raw) => (isNoticesPayload(raw) ? told.push(...(decodeNotices(raw)?.notices ?? [])) : list.push(...(decodeEntries(raw)?.entries ?? []))),
        true,
      );
    },
    published: (room, count) => waitForCount(published.get(room) ?? [], count),
    notices: (room, count) => waitForCount(notices.get(room) ?? [], count),
    async close() {
      await Promise.all([...published.keys()].map((room) => sub.sUnsubscribe(roomChannel(room))));
    },
  };
};

messageStoreSuite("redis cluster", onCluster);
heldMessagesSuite("redis cluster", onCluster);

describe("RedisMessageStore publishing across replicas", () => {
  it("publishes a room's first entry even when a later entry, stored elsewhere, is confirmed and published first", async () => {
    const clients = redis();
    writes ??= new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger: pino({ level: "silent" }) });
    const real = writes;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    // Replica A's write is confirmed late (its WAIT is slow); replica B's goes straight through.
    const slow = {
      begin: async (key: string) => {
        const w = await real.begin(key);
        return { ...w, required: 1, run: w.run, confirm: async () => (await gate, w.confirm()) };
      },
    } as unknown as ReplicatedWrites;
    const a = new RedisMessageStore({ redis: clients.pub, writes: slow }, { keyPrefix });
    const b = new RedisMessageStore({ redis: clients.pub, writes: real }, { keyPrefix });
    const room = `first-${process.pid}-${Date.now()}`;
    const got: PublishedEntry[] = [];
    const sub = clients.sub as Subscriber;
    await sub.sSubscribe(roomChannel(room), (raw) => got.push(...(decodeEntries(raw)?.entries ?? [])), true);
    try {
      const user = { id: "u", name: "U", role: "viewer" as const };
      const first = a.append(room, [{ kind: "chat", text: "a1", user, dedupKey: "a1", sender: "" }]);
      await new Promise((r) => setTimeout(r, 50)); // a1 is stored (not yet confirmed) before b1
      await b.append(room, [{ kind: "chat", text: "b1", user, dedupKey: "b1", sender: "" }]);
      await waitForCount(got, 2);
      open();
      await first;
      expect(got.map((e) => [e.text, e.prev === null ? null : "prev"])).toEqual([
        ["a1", null],
        ["b1", "prev"],
      ]);
    } finally {
      open();
      await sub.sUnsubscribe(roomChannel(room));
    }
  });
});
