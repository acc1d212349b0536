/**
 * The in-memory store over the embedded archive (issue #20): what the shared suite cannot say,
 * i.e. a restart with the same file, an archive that refuses a write, and deletions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ArchivedEntry, MessageArchive } from "../archive/message-archive.js";
import { openSqliteArchive } from "../archive/sqlite/sqlite-archive.js";
import type { User } from "../protocol/index.js";
import { MemoryMessageStore } from "./memory-message-store.js";
import { StoreUnavailableError, type MessageDraft, type PublishedEntry } from "./message-store.js";

const ann: User = { id: "ann", name: "Ann", role: "viewer" };
const streamer: User = { id: "st", name: "Streamer", role: "streamer" };
let n = 0;
const draft = (text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({ kind: "chat", text, user: ann, dedupKey: `k${++n}`, sender: "sock", ...extra });

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function archiveFile(): Promise<MessageArchive> {
  const dataDir = mkdtempSync(join(tmpdir(), "memory-archive-"));
  const { archive } = await openSqliteArchive({ dataDir });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => archive.close());
  return archive;
}

function storeOver(archive: MessageArchive, options: ConstructorParameters<typeof MemoryMessageStore>[0] = {}, now?: () => number) {
  const published: PublishedEntry[] = [];
  const store = new MemoryMessageStore(options, { archive, publish: (_room, entries) => published.push(...entries), ...(now ? { now } : {}) });
  cleanup.push(() => store.close());
  return { store, published };
}

async function all(archive: MessageArchive, room: string): Promise<ArchivedEntry[]> {
  const out: ArchivedEntry[] = [];
  for await (const e of archive.export(room)) out.push(e);
  return out;
}

describe("MemoryMessageStore with the archive", () => {
  it("archives every entry kind before publishing, and a new store (a restart) gets the hot window back", async () => {
    const archive = await archiveFile();
    const before = storeOver(archive);
    const room = "post-42";
    const subscriber = { ...ann, badges: ["subscriber", "vip"] };
    const [a, b] = await before.store.append(room, [draft("one"), draft("two", { user: subscriber, replyTo: { id: "x", user: streamer, excerpt: "hi" } })]);
    await before.store.append(room, [draft("pinned", { kind: "notice", user: streamer, exempt: true })]);
    const [c] = await before.store.append(room, [draft("three", { system: true, exempt: true })]);
    expect(before.published.map((e) => e.text)).toEqual(["one", "two", "pinned", "three"]);
    expect((await all(archive, room)).map((e) => [e.kind, e.text, e.system ?? false])).toEqual([
      ["chat", "one", false],
      ["chat", "two", false],
      ["notice", "pinned", false],
      ["chat", "three", true],
    ]);
    await before.store.close();

    // The clock of the new process is behind the old one's ids: new ids still sort after them.
    const after = storeOver(archive, {}, () => 1_000);
    const joined = await after.store.history(room);
    expect(joined.messages.map((m) => m.text)).toEqual(["one", "two", "three"]);
    expect(joined.messages[1]!.replyTo).toEqual({ id: "x", user: streamer, excerpt: "hi" });
    expect(joined.messages[1]!.user).toEqual(subscriber);
    expect(joined.messages[0]!.user).toEqual(ann);
    expect(joined.messages[2]!.system).toBe(true);
    expect((await after.store.notice(room))?.text).toBe("pinned");
    expect(await after.store.history(room, b!.id!)).toMatchObject({ recovered: true, messages: [{ id: c!.id }] });
    expect(await after.store.message(room, a!.id!)).toMatchObject({ text: "one" });
    const [d] = await after.store.append(room, [draft("four")]);
    expect(d!.id! > c!.id!).toBe(true);
    expect((await after.store.history(room, c!.id!)).messages.map((m) => m.text)).toEqual(["four"]);
  });

  it("loads the newest historySize entries, across archive pages, with a clear marker still ending the history", async () => {
    const archive = await archiveFile();
    const before = storeOver(archive, { historySize: 250 });
    await before.store.append("r", [draft("old")]);
    await before.store.append("r", [draft("", { kind: "clear", user: streamer, exempt: true })]);
    for (let i = 0; i < 3; i++) await before.store.append("r", Array.from({ length: 100 }, (_, j) => draft(`m${i * 100 + j}`)));
    const after = storeOver(archive, { historySize: 250 });
    const messages = (await after.store.history("r")).messages;
    expect(messages).toHaveLength(250);
    expect(messages[0]!.text).toBe("m50");
    expect(messages.at(-1)!.text).toBe("m299");
    const small = storeOver(archive, { historySize: 2 });
    await small.store.append("q", [draft("a"), draft("", { kind: "clear", user: streamer, exempt: true }), draft("b")]);
    const reloaded = storeOver(archive, { historySize: 2 });
    expect((await reloaded.store.history("q")).messages.map((m) => m.text)).toEqual(["b"]);
  });

  it("fails the append as unavailable when the archive refuses it, leaving no trace, so the retry is stored once", async () => {
    const archive = await archiveFile();
    let refuse = false;
    const flaky: MessageArchive = Object.assign(Object.create(archive) as MessageArchive, {
      insert: (entries: readonly ArchivedEntry[]) => (refuse ? Promise.reject(Object.assign(new Error("disk full"), { code: "SQLITE_FULL" })) : archive.insert(entries)),
    });
    const { store, published } = storeOver(flaky);
    const room = "r";
    await store.configure(room, { slowModeSec: 30, uniqueChat: true });
    const [kept] = await store.append(room, [draft("before", { user: streamer, exempt: true })]);
    refuse = true;
    const first = draft("hello", { uniqueKey: "hello", fingerprint: "f" });
    await expect(store.append(room, [first])).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(published.map((e) => e.text)).toEqual(["before"]);
    expect((await store.history(room)).messages.map((m) => m.text)).toEqual(["before"]);
    refuse = false;
    // Neither slow mode, nor unique chat, nor the dedup key remember the failed try.
    const [retry] = await store.append(room, [{ ...first }]);
    expect(retry).toMatchObject({ duplicate: false });
    expect(retry!.id! > kept!.id!).toBe(true);
    const [again] = await store.append(room, [{ ...first }]);
    expect(again).toEqual({ id: retry!.id, duplicate: true });
    expect((await all(archive, room)).map((e) => e.text)).toEqual(["before", "hello"]);
    expect(published.map((e) => e.text)).toEqual(["before", "hello"]);
  });

  it("fails a history read as unavailable when the archive cannot be read", async () => {
    const archive = await archiveFile();
    const broken: MessageArchive = Object.assign(Object.create(archive) as MessageArchive, { page: () => Promise.reject(new Error("file gone")) });
    const { store } = storeOver(broken);
    await expect(store.history("r")).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("flags a deleted entry in the archive, also one older than the hot window, and only once", async () => {
    const archive = await archiveFile();
    const { store } = storeOver(archive, { historySize: 2 });
    const [a, b, c] = await store.append("r", [draft("a"), draft("b"), draft("c")]);
    expect(await store.remove("r", c!.id!, "mod1")).toBe(true); // in the hot window
    expect(await store.remove("r", a!.id!, "mod1")).toBe(true); // only archived
    expect(await store.remove("r", a!.id!, "mod1")).toBe(false);
    expect(await store.remove("r", "00000000000000-0000000000")).toBe(false);
    expect((await archive.page("r", { limit: 10 })).entries.map((e) => e.id)).toEqual([b!.id!]);
    expect((await all(archive, "r")).map((e) => [e.text, e.deleted?.by ?? null])).toEqual([
      ["a", "mod1"],
      ["b", null],
      ["c", "mod1"],
    ]);
    // After a restart the deleted ones stay gone.
    const after = storeOver(archive, { historySize: 2 });
    expect((await after.store.history("r")).messages.map((m) => m.text)).toEqual(["b"]);
  });
});
