import type { PublishedEntry } from "../delivery/published-entry.js";
import { MemoryMessageStore } from "./memory-message-store.js";
import { messageStoreSuite, waitForCount } from "./message-store.suite.js";

messageStoreSuite("in-memory", async (options) => {
  const published = new Map<string, PublishedEntry[]>();
  const store = new MemoryMessageStore(options, { publish: (room, entries) => published.get(room)?.push(...entries) });
  return {
    store,
    watch: async (room) => void published.set(room, []),
    published: (room, count) => waitForCount(published.get(room) ?? [], count),
    close: () => store.close(),
  };
});
