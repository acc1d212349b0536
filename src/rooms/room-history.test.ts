/**
 * RoomHistory across the hot window and the archive: the in-memory store (a 10-entry window) with a
 * real SQLite archive on a temp dir, filled as the write-behind would (every published entry).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArchiveUnavailableError, type MessageArchive } from "../archive/message-archive.js";
import { openSqliteArchive } from "../archive/sqlite/sqlite-archive.js";
import { MemoryMessageStore } from "../store/memory-message-store.js";
import type { MessageDraft, PublishedEntry, StoredKind } from "../store/message-store.js";
import type { User } from "../protocol/index.js";
import { RoomHistory, type OlderPage } from "./room-history.js";

const T0 = 1_750_000_000_000;
const ann: User = { id: "ann", name: "Ann", role: "viewer" };
const bob: User = { id: "bob", name: "Bob", role: "viewer" };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Fixture {
  store: MemoryMessageStore;
  archive: MessageArchive;
  published: PublishedEntry[];
  /** Stores one entry, one second after the last, and archives it unless `archived` is false. */
  add(room: string, text: string, opts?: { kind?: StoredKind; user?: User; archived?: boolean }): Promise<string>;
  removed: string[];
  history(archive?: Partial<MessageArchive> | null): RoomHistory;
}

async function fixture(historySize = 10): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "room-history-"));
  const { archive } = await openSqliteArchive({ dataDir });
  let clock = T0;
  const published: PublishedEntry[] = [];
  const store = new MemoryMessageStore({ historySize }, { now: () => clock, publish: (_room, entries) => published.push(...entries) });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => archive.close(), () => store.close());
  let n = 0;
  const removed: string[] = [];
  return {
    store,
    archive,
    published,
    removed,
    async add(room, text, opts = {}) {
      clock += 1_000;
      const kind = opts.kind ?? "chat";
      const draft: MessageDraft = { kind, text, user: opts.user ?? ann, dedupKey: `k${++n}`, sender: "", exempt: kind === "clear" };
      const [out] = await store.append(room, [draft]);
      const entry = published.at(-1)!;
      expect(entry.id).toBe(out!.id);
      if (opts.archived !== false) await archive.insert([{ id: entry.id, room, kind: entry.kind, text: entry.text, user: entry.user, ts: entry.ts }]);
      return entry.id;
    },
    history(override) {
      const a = override === null ? undefined : override ? ({ ...bind(archive), ...override } as MessageArchive) : archive;
      return new RoomHistory({
        store,
        archive: a,
        remove: async (room, id) => {
          const gone = await store.remove(room, id);
          if (gone) removed.push(id);
          return gone;
        },
      });
    },
  };
}

/** The archive's methods bound, so a test can override one. */
function bind(a: MessageArchive): MessageArchive {
  return { insert: a.insert.bind(a), markDeleted: a.markDeleted.bind(a), page: a.page.bind(a), range: a.range.bind(a), export: a.export.bind(a), eraseUser: a.eraseUser.bind(a), prune: a.prune.bind(a), close: a.close.bind(a) };
}

/** Pages back from the newest until hasMore is false; returns every page. */
async function pageAll(h: RoomHistory, room: string, limit: number): Promise<OlderPage[]> {
  const pages: OlderPage[] = [];
  let before: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await h.older(room, before, limit);
    pages.push(page);
    if (!page.hasMore) return pages;
    before = page.messages[0]?.id ?? before;
  }
  throw new Error("paging did not end");
}

const texts = (pages: OlderPage[]) => pages.reverse().flatMap((p) => p.messages.map((m) => m.text));

async function roomOf(f: Fixture, room: string, count: number, opts: { archiveOlderOnly?: boolean } = {}): Promise<string[]> {
  const ids: string[] = [];
  // With archiveOlderOnly, the newest 10 (the hot window) are not archived yet: the write-behind's backlog.
  for (let i = 0; i < count; i++) ids.push(await f.add(room, `m${i}`, { archived: !opts.archiveOlderOnly || i < count - 10 }));
  return ids;
}

describe("RoomHistory.older: paging across the hot-window boundary", () => {
  it("pages contiguously from the newest to the first message, no gap and no duplicate, whatever the page size", async () => {
    const f = await fixture();
    await roomOf(f, "r1", 47);
    const all = Array.from({ length: 47 }, (_, i) => `m${i}`);
    for (const limit of [1, 3, 7, 10, 11, 50, 100]) {
      const pages = await pageAll(f.history(), "r1", limit);
      expect(texts(pages), `limit ${limit}`).toEqual(all);
      expect(pages.every((p) => p.messages.length <= limit)).toBe(true);
    }
    // The window holds only the newest 10: the rest came from the archive.
    expect((await f.store.entriesBefore("r1", undefined, 100)).length).toBe(10);
  });

  it("is contiguous when the newest entries are only in the hot window (not archived yet)", async () => {
    const f = await fixture();
    await roomOf(f, "r1", 35, { archiveOlderOnly: true });
    expect(texts(await pageAll(f.history(), "r1", 8))).toEqual(Array.from({ length: 35 }, (_, i) => `m${i}`));
  });

  it("a page ending exactly at the first message says hasMore false at once", async () => {
    const f = await fixture();
    const ids = await roomOf(f, "r1", 25);
    expect(await f.history().older("r1", ids[5], 5)).toMatchObject({ hasMore: false, messages: ids.slice(0, 5).map((id) => expect.objectContaining({ id })) });
    const hotOnly = await fixture();
    const hot = await roomOf(hotOnly, "r2", 6);
    expect((await hotOnly.history(null).older("r2", undefined, 6)).hasMore).toBe(false);
    expect((await hotOnly.history(null).older("r2", hot[3], 2)).hasMore).toBe(true);
  });

  it("leaves notices out, stops at the newest clear marker older than the cursor, hides deleted entries", async () => {
    const f = await fixture();
    for (let i = 0; i < 5; i++) await f.add("r1", `old${i}`);
    await f.add("r1", "", { kind: "clear" });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await f.add("r1", i % 4 === 0 ? `pin${i}` : `m${i}`, { kind: i % 4 === 0 ? "notice" : "chat" }));
    expect(await f.archive.markDeleted("r1", ids[2]!, { by: "mod", at: T0 })).toBe(true);
    const got = texts(await pageAll(f.history(), "r1", 4));
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 4 !== 0 && i !== 2).map((i) => `m${i}`));
  });

  it("without an archive: the hot window alone, then hasMore false", async () => {
    const f = await fixture();
    await roomOf(f, "r1", 30);
    expect(texts(await pageAll(f.history(null), "r1", 4))).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 20}`));
  });

  it("a cursor older than the window reads the archive; a room only the archive has (a restart) pages too", async () => {
    const f = await fixture();
    const ids = await roomOf(f, "r1", 30);
    const page = await f.history().older("r1", ids[12], 3);
    expect(page).toEqual({ hasMore: true, messages: ids.slice(9, 12).map((id) => expect.objectContaining({ id })) });
    const restarted = new RoomHistory({ store: new MemoryMessageStore(), archive: f.archive, remove: async () => false });
    expect(texts(await pageAll(restarted, "r1", 9))).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
  });

  it("archive down: a page the hot window fills still answers; one that needs the archive rejects as unavailable", async () => {
    const f = await fixture();
    await roomOf(f, "r1", 30);
    const down = f.history({ page: () => Promise.reject(new ArchiveUnavailableError("down")) });
    expect((await down.older("r1", undefined, 5)).messages.map((m) => m.text)).toEqual(["m25", "m26", "m27", "m28", "m29"]);
    await expect(down.older("r1", undefined, 20)).rejects.toThrow(ArchiveUnavailableError);
  });
});

describe("RoomHistory.replay and export", () => {
  it("replays a time range in id order: the archive, then the unarchived tail from the hot window, once each", async () => {
    const f = await fixture();
    const ids = await roomOf(f, "r1", 30, { archiveOlderOnly: true });
    await f.add("other", "elsewhere");
    const all: string[] = [];
    for await (const e of f.history().replay("r1", T0, T0 + 3_600_000)) all.push(e.id);
    expect(all).toEqual(ids);
    // Bounds: [from, to) by the entries' time (m_i is stored at T0 + (i + 1) s).
    const some: string[] = [];
    for await (const e of f.history().replay("r1", T0 + 5_000, T0 + 25_000)) some.push(e.text);
    expect(some).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 4}`));
    // Fully archived too: no entry twice where the window and the archive overlap.
    const g = await fixture();
    const both = await roomOf(g, "r1", 15);
    const got: string[] = [];
    for await (const e of g.history().replay("r1", T0, T0 + 3_600_000)) got.push(e.id);
    expect(got).toEqual(both);
  });

  it("exports everything, deleted entries marked, plus the unarchived tail", async () => {
    const f = await fixture();
    const ids = await roomOf(f, "r1", 20, { archiveOlderOnly: true });
    await f.archive.markDeleted("r1", ids[3]!, { by: "mod1", at: T0 + 1 });
    const out = [];
    for await (const e of f.history().export("r1")) out.push(e);
    expect(out.map((e) => e.id)).toEqual(ids);
    expect(out[3]).toMatchObject({ text: "m3", deleted: { by: "mod1", at: T0 + 1 } });
    expect(out.filter((e) => e.deleted).length).toBe(1);
  });
});

describe("RoomHistory.eraseUser", () => {
  it("erases a user's messages from the archive and the live history, telling viewers of each, others untouched", async () => {
    const f = await fixture();
    for (let i = 0; i < 24; i++) await f.add(i % 2 ? "r1" : "r2", `${i % 3 === 0 ? "bob" : "ann"}${i}`, { user: i % 3 === 0 ? bob : ann, archived: i < 20 });
    const bobs = f.published.filter((e) => e.user.id === "bob");
    const result = await f.history().eraseUser("bob", T0 + 3_600_000);
    expect(result.archived).toBe(bobs.filter((e) => Number(e.text.slice(3)) < 20).length);
    // Every bob entry still in a window was removed (and so announced), archived or not.
    const inWindow = bobs.filter((e) => Number(e.text.slice(3)) >= 4);
    expect([...f.removed].sort()).toEqual(inWindow.map((e) => e.id).sort());
    for (const room of ["r1", "r2"]) {
      const left = [];
      for await (const e of f.history().export(room)) left.push(e);
      expect(left.some((e) => e.user.id === "bob")).toBe(false);
      expect(left.filter((e) => e.user.id === "ann").length).toBe(f.published.filter((e) => e.room === room && e.user.id === "ann").length);
      expect((await f.store.entriesBefore(room, undefined, 100)).some((e) => e.user.id === "bob")).toBe(false);
    }
  });

  it("with a store that cannot list a user's entries (Redis), reads through the hot windows of the rooms the archive named", async () => {
    const f = await fixture();
    for (let i = 0; i < 8; i++) await f.add("r1", `${i % 2 ? "bob" : "ann"}${i}`, { user: i % 2 ? bob : ann, archived: i < 4 });
    const bobs = f.published.filter((e) => e.user.id === "bob").map((e) => e.id);
    const removed: string[] = [];
    const h = new RoomHistory({
      store: { entriesBefore: f.store.entriesBefore.bind(f.store) }, // no userEntries, as the Redis store
      archive: f.archive,
      remove: async (room, id) => {
        const gone = await f.store.remove(room, id);
        if (gone) removed.push(id);
        return gone;
      },
    });
    // 2 of bob's 4 are archived; the other 2 (the write-behind's backlog) only the hot window has.
    expect(await h.eraseUser("bob", T0 + 3_600_000)).toEqual({ archived: 2, live: 4 });
    expect(removed.sort()).toEqual([...bobs].sort());
    expect((await f.store.entriesBefore("r1", undefined, 100)).map((e) => e.user.id)).toEqual(["ann", "ann", "ann", "ann"]);
  });

  it("without an archive erases the hot window; with the archive down rejects (the route answers 503)", async () => {
    const f = await fixture();
    for (let i = 0; i < 6; i++) await f.add("r1", `x${i}`, { user: i % 2 ? bob : ann, archived: false });
    expect(await f.history(null).eraseUser("bob", T0 + 3_600_000)).toEqual({ archived: 0, live: 3 });
    expect((await f.store.entriesBefore("r1", undefined, 10)).map((e) => e.text)).toEqual(["x0", "x2", "x4"]);
    const down = f.history({ eraseUser: () => Promise.reject(new ArchiveUnavailableError("down")) });
    await expect(down.eraseUser("ann", T0 + 3_600_000)).rejects.toThrow(ArchiveUnavailableError);
    expect((await f.store.entriesBefore("r1", undefined, 10)).length).toBe(3);
  });
});
