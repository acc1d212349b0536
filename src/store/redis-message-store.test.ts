import { pino } from "pino";
import type { PublishedEntry } from "../delivery/published-entry.js";
import { decodeEntries } from "../delivery/published-entry.js";
import { roomChannel } from "../delivery/room-channel.js";
import { ReplicatedWrites } from "../redis/replicated-writes.js";
import { freshKeyPrefix, useSharedRedisClients } from "../../test/support/shared-cluster-client.js";
import { messageStoreSuite, waitForCount } from "./message-store.suite.js";
import { RedisMessageStore } from "./redis-message-store.js";

const redis = useSharedRedisClients();
// One prefix per file (rooms are unique per test), so two store instances share a room's keys.
const keyPrefix = freshKeyPrefix();

interface Subscriber {
  sSubscribe(channel: string, listener: (message: Buffer) => void, buffers: true): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
}

let writes: ReplicatedWrites | undefined;

messageStoreSuite("redis cluster", async (options) => {
  const clients = redis();
  // One per file, as one per process in production (it tracks each node connection).
  writes ??= new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger: pino({ level: "silent" }) });
  const store = new RedisMessageStore({ redis: clients.pub, writes }, { keyPrefix, ...options });
  const published = new Map<string, PublishedEntry[]>();
  const sub = clients.sub as Subscriber;
  return {
    store,
    async watch(room) {
      const list: PublishedEntry[] = [];
      published.set(room, list);
      await sub.sSubscribe(roomChannel(room), (raw) => list.push(...(decodeEntries(raw)?.entries ?? [])), true);
    },
    published: (room, count) => waitForCount(published.get(room) ?? [], count),
    async close() {
      await Promise.all([...published.keys()].map((room) => sub.sUnsubscribe(roomChannel(room))));
    },
  };
});
