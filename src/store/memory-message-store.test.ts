import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteArchive } from "../archive/sqlite/sqlite-archive.js";
import type { MessageStoreOptions, PublishedEntry } from "./message-store.js";
import { MemoryMessageStore, type MemoryMessageStoreDeps } from "./memory-message-store.js";
import { heldMessagesSuite } from "./held-messages.suite.js";
import { messageStoreSuite, waitForCount, type StoreUnderTest } from "./message-store.suite.js";
import type { ModerationNotice } from "./moderation-notice.js";

const withDeps = (deps: MemoryMessageStoreDeps) => async (options: Partial<MessageStoreOptions>): Promise<StoreUnderTest> => {
  const published = new Map<string, PublishedEntry[]>();
  const notices = new Map<string, ModerationNotice[]>();
  const store = new MemoryMessageStore(options, {
    ...deps,
    publish: (room, entries) => published.get(room)?.push(...entries),
    announce: (room, list) => notices.get(room)?.push(...list),
  });
  return {
    store,
    watch: async (room) => {
      published.set(room, []);
      notices.set(room, []);
    },
    published: (room, count) => waitForCount(published.get(room) ?? [], count),
    notices: (room, count) => waitForCount(notices.get(room) ?? [], count),
    close: () => store.close(),
  };
};

const inMemory = withDeps({});

messageStoreSuite("in-memory", inMemory);
heldMessagesSuite("in-memory", inMemory);

// The same contract with the embedded archive file under it: one file for the whole suite, so a
// "new store instance" reads what the one before it archived, as after a restart.
const dataDir = mkdtempSync(join(tmpdir(), "memory-store-archive-"));
const opened = await openSqliteArchive({ dataDir });
afterAll(async () => {
  await opened.archive.close();
  rmSync(dataDir, { recursive: true, force: true });
});
messageStoreSuite("in-memory with the SQLite archive", withDeps({ archive: opened.archive }));
heldMessagesSuite("in-memory with the SQLite archive", withDeps({ archive: opened.archive }));

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
