import { describe, expect, it } from "vitest";
import type { PublishedEntry } from "./message-store.js";
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

describe("MemoryMessageStore limits", () => {
  it("keeps at most maxRooms rooms, dropping the one idle longest", async () => {
    const store = new MemoryMessageStore({ maxRooms: 3 });
    const user = { id: "u", name: "U", role: "viewer" as const };
    const send = (room: string, text: string) => store.append(room, [{ kind: "chat", text, user, dedupKey: `${room}-${text}`, sender: "" }]);
    for (const room of ["a", "b", "c"]) await send(room, "hi");
    await send("a", "again"); // a is now the most recently active
    await send("d", "hi"); // over the cap: b, idle longest, goes
    expect((await store.history("b")).messages).toEqual([]);
    for (const room of ["a", "c", "d"]) expect((await store.history(room)).messages.length).toBeGreaterThan(0);
    expect((await store.history("a")).messages.map((m) => m.text)).toEqual(["hi", "again"]);
    await store.close();
  });
});
