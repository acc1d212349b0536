/**
 * The one test suite every MessageArchive implementation must pass (SQLite and PostgreSQL). Call
 * it from a `*.test.ts` with a factory that opens an archive; archives made by one factory may
 * share a database (every test uses rooms and users of its own).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../protocol/index.js";
import { encodeMessageId } from "../store/message-id.js";
import { ArchiveInputError, type ArchivedEntry, type ArchiveOptions, type MessageArchive } from "./message-archive.js";

export interface ArchiveUnderTest {
  archive: MessageArchive;
  /** Closes the archive and opens it again on the same storage, as a restart does. */
  reopen(): Promise<MessageArchive>;
  close(): Promise<void>;
}

/** 2026-01-01: entries of the suite are at BASE + n ms unless a test says otherwise. */
const BASE = Date.UTC(2026, 0, 1);
const ann: User = { id: "u-ann", name: "Ann", role: "viewer" };
let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;

/** Entry number `i` of `room`: at BASE + i ms, id `<ms>-<seq>`. */
function entry(room: string, i: number, extra: Partial<ArchivedEntry> = {}, seq = 0): ArchivedEntry {
  return { room, id: encodeMessageId(BASE + i, seq), ts: BASE + i, kind: "chat", text: `m${i}`, user: ann, ...extra };
}

async function collect(it: AsyncIterable<ArchivedEntry>): Promise<ArchivedEntry[]> {
  const all: ArchivedEntry[] = [];
  for await (const e of it) all.push(e);
  return all;
}

const texts = (entries: ArchivedEntry[]) => entries.map((e) => e.text);
const numbers = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

export function messageArchiveSuite(name: string, make: (options: Partial<ArchiveOptions>) => Promise<ArchiveUnderTest>): void {
  describe(`MessageArchive: ${name}`, () => {
    const open: ArchiveUnderTest[] = [];
    const setup = async (options: Partial<ArchiveOptions> = {}) => {
      const t = await make(options);
      open.push(t);
      return t;
    };
    const archive = async (options: Partial<ArchiveOptions> = {}) => (await setup(options)).archive;
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    it("stores every kind of entry with all its fields and reads it back as stored", async () => {
      const a = await archive();
      const room = fresh("room");
      const streamer: User = { id: "s-1", name: "Streamer ✨", role: "streamer" };
      const stored: ArchivedEntry[] = [
        entry(room, 0, { text: 'quotes " \' back\\slash\nnew line, emoji 🎉, RTL שלום' }),
        entry(room, 1, { kind: "question", text: "why?" }),
        entry(room, 2, { kind: "notice", text: "pinned", user: streamer }),
        entry(room, 3, { kind: "clear", text: "", user: streamer }),
        entry(room, 4, { text: "from the site", user: { id: "site", name: "Shop", role: "streamer" }, system: true }),
        entry(room, 5, { extra: { replyTo: encodeMessageId(BASE, 0), badges: ["sub", "vip"], meta: { n: 1.5, ok: true, none: null } } }),
        // A reply and its author's badges: no columns of their own, kept all the same.
        entry(room, 6, {
          user: { ...ann, badges: ["subscriber"] },
          replyTo: { id: encodeMessageId(BASE, 0), user: ann, excerpt: "quotes" },
        }),
      ];
      expect(await a.insert(stored)).toBe(7);
      expect(await collect(a.export(room))).toEqual(stored);
      expect((await a.page(room, { limit: 10 })).entries).toEqual(stored);
    });

    it("stores what no database can hold (NUL, lone surrogates) replaced, instead of refusing the batch", async () => {
      const a = await archive();
      const room = fresh("room");
      expect(await a.insert([entry(room, 0, { text: "a\u0000b\uD800c", user: { ...ann, name: "N\u0000" }, extra: { k: "\uDC00" } }), entry(room, 1)])).toBe(2);
      const [first] = await collect(a.export(room));
      expect(first).toMatchObject({ text: "a\uFFFDb\uFFFDc", user: { name: "N\uFFFD" }, extra: { k: "\uFFFD" } });
    });

    it("is idempotent per (room, id): re-archiving never duplicates", async () => {
      const a = await archive();
      const room = fresh("room");
      const other = fresh("room");
      const first = Array.from({ length: 10 }, (_, i) => entry(room, i));
      expect(await a.insert(first)).toBe(10);
      const again = [...first, ...Array.from({ length: 5 }, (_, i) => entry(room, 10 + i))];
      expect(await a.insert(again)).toBe(5);
      // A batch holding one entry twice stores it once; the same id in another room is another entry.
      expect(await a.insert([entry(room, 20), entry(room, 20), entry(other, 20)])).toBe(2);
      expect(texts(await collect(a.export(room)))).toEqual([...numbers(0, 15), "m20"]);
      expect(texts(await collect(a.export(other)))).toEqual(["m20"]);
      // A copy that differs does not overwrite what was archived first.
      expect(await a.insert([entry(room, 0, { text: "changed" })])).toBe(0);
      expect((await collect(a.export(room)))[0]!.text).toBe("m0");
    });

    it("stores each entry once when overlapping batches arrive at the same time", async () => {
      const a = await archive();
      const room = fresh("room");
      const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 50 }, (_, i) => entry(room, b * 25 + i)));
      const inserted = await Promise.all(batches.map((batch) => a.insert(batch)));
      expect(inserted.reduce((x, y) => x + y, 0)).toBe(175);
      expect(texts(await collect(a.export(room)))).toEqual(numbers(0, 175));
    });

    it("refuses a malformed batch whole, storing nothing of it", async () => {
      const a = await archive();
      const room = fresh("room");
      const bad: ArchivedEntry[] = [
        { ...entry(room, 1), id: "1700000000000-1" },
        { ...entry(room, 1), room: "" },
        { ...entry(room, 1), ts: Number.NaN },
        { ...entry(room, 1), user: { id: "x" } as User },
        { ...entry(room, 1), deleted: { by: "mod", at: Number.NaN } },
      ];
      for (const b of bad) await expect(a.insert([entry(room, 0), b])).rejects.toThrow(ArchiveInputError);
      expect(await collect(a.export(room))).toEqual([]);
      expect(await a.insert([])).toBe(0);
    });

    it("pages through older history oldest first, saying whether there is more", async () => {
      const a = await archive();
      const room = fresh("room");
      await a.insert(Array.from({ length: 120 }, (_, i) => entry(room, i)));
      const id = (i: number) => encodeMessageId(BASE + i, 0);
      const latest = await a.page(room, { limit: 50 });
      expect(texts(latest.entries)).toEqual(numbers(70, 120));
      expect(latest.hasMore).toBe(true);
      const older = await a.page(room, { before: latest.entries[0]!.id, limit: 50 });
      expect([texts(older.entries), older.hasMore]).toEqual([numbers(20, 70), true]);
      const oldest = await a.page(room, { before: older.entries[0]!.id, limit: 50 });
      expect([texts(oldest.entries), oldest.hasMore]).toEqual([numbers(0, 20), false]);
      expect(await a.page(room, { before: id(0), limit: 50 })).toEqual({ entries: [], hasMore: false });
      // Forward from an id, as a client that recovers after it would read.
      const newer = await a.page(room, { after: id(19), limit: 50 });
      expect([texts(newer.entries), newer.hasMore]).toEqual([numbers(20, 70), true]);
      expect(await a.page(room, { after: id(110), limit: 50 })).toEqual({ entries: (await a.page(room, { limit: 9 })).entries, hasMore: false });
      // A cursor need not be an archived id: any id orders by time.
      expect(texts((await a.page(room, { before: encodeMessageId(BASE + 5, 7), limit: 2 })).entries)).toEqual(["m4", "m5"]);
      expect(texts((await a.page(room, { limit: 1 })).entries)).toEqual(["m119"]);
      expect((await a.page(room, { limit: 100 })).entries).toHaveLength(100);
      expect(await a.page(fresh("empty"), { limit: 50 })).toEqual({ entries: [], hasMore: false });
    });

    it("refuses bad page and range queries with an input error", async () => {
      const a = await archive();
      const room = fresh("room");
      const id = encodeMessageId(BASE, 0);
      for (const limit of [0, 101, 1.5, Number.NaN, -1]) await expect(a.page(room, { limit })).rejects.toThrow(ArchiveInputError);
      await expect(a.page(room, { before: "x", limit: 10 })).rejects.toThrow(/before is not a message id/);
      await expect(a.page(room, { after: "1-1", limit: 10 })).rejects.toThrow(ArchiveInputError);
      await expect(a.page(room, { before: id, after: id, limit: 10 })).rejects.toThrow(ArchiveInputError);
      for (const q of [{ from: 10, to: 10 }, { from: -1, to: 10 }, { from: 0, to: Number.NaN }, { from: 0, to: 10, chunkSize: 0 }]) {
        expect(() => a.range(room, q)).toThrow(ArchiveInputError); // at once, before any read: a 400, not a broken stream
      }
    });

    it("hides deleted entries from pages and ranges, and marks them in the export", async () => {
      const a = await archive();
      const room = fresh("room");
      await a.insert(Array.from({ length: 6 }, (_, i) => entry(room, i)));
      const id = (i: number) => encodeMessageId(BASE + i, 0);
      expect(await a.markDeleted(room, id(0), { by: "mod-1", at: 1000 })).toBe(true);
      expect(await a.markDeleted(room, id(1), { by: "mod-1", at: 1001 })).toBe(true);
      expect(await a.markDeleted(room, id(4), { by: "mod-1", at: 1002 })).toBe(true);
      // Already deleted: still there, and the first deletion stays on record.
      expect(await a.markDeleted(room, id(4), { by: "mod-2", at: 2000 })).toBe(true);
      expect(await a.markDeleted(room, encodeMessageId(BASE + 99, 0), { by: "mod-1", at: 1 })).toBe(false);
      expect(await a.markDeleted(fresh("room"), id(2), { by: "mod-1", at: 1 })).toBe(false);

      expect(texts((await a.page(room, { limit: 10 })).entries)).toEqual(["m2", "m3", "m5"]);
      // Only deleted entries are older: nothing more to page to.
      expect(await a.page(room, { before: id(2), limit: 10 })).toEqual({ entries: [], hasMore: false });
      expect(await a.page(room, { before: id(5), limit: 2 })).toMatchObject({ hasMore: false });
      expect(texts(await collect(a.range(room, { from: BASE, to: BASE + 10 })))).toEqual(["m2", "m3", "m5"]);
      expect(texts(await collect(a.range(room, { from: BASE, to: BASE + 10, includeDeleted: true })))).toEqual(numbers(0, 6));
      const exported = await collect(a.export(room));
      expect(exported.map((e) => e.deleted ?? null)).toEqual([
        { by: "mod-1", at: 1000 },
        { by: "mod-1", at: 1001 },
        null,
        null,
        { by: "mod-1", at: 1002 },
        null,
      ]);
    });

    it("flags a stored entry when a re-archived copy carries a deletion (the first one wins)", async () => {
      const a = await archive();
      const room = fresh("room");
      await a.insert([entry(room, 0), entry(room, 1)]);
      // A deletion that overtook the write-behind arrives with the entry itself.
      expect(await a.insert([entry(room, 1, { deleted: { by: "mod", at: 5 } }), entry(room, 2, { deleted: { by: "mod", at: 6 } })])).toBe(1);
      expect(await a.insert([entry(room, 1, { deleted: { by: "other", at: 9 } })])).toBe(0);
      expect((await collect(a.export(room))).map((e) => e.deleted ?? null)).toEqual([null, { by: "mod", at: 5 }, { by: "mod", at: 6 }]);
      expect(texts((await a.page(room, { limit: 10 })).entries)).toEqual(["m0"]);
    });

    it("streams a time range in id order, chunk by chunk, within its bounds", async () => {
      const a = await archive();
      const room = fresh("room");
      const all = Array.from({ length: 40 }, (_, i) => entry(room, i));
      // Two entries in one millisecond: both are in that millisecond's range, in seq order.
      all.push(entry(room, 15, { text: "m15b" }, 1));
      await a.insert(all);
      const got = await collect(a.range(room, { from: BASE + 10, to: BASE + 20, chunkSize: 3 }));
      expect(texts(got)).toEqual(["m10", "m11", "m12", "m13", "m14", "m15", "m15b", "m16", "m17", "m18", "m19"]);
      expect(texts(await collect(a.range(room, { from: BASE + 38, to: Infinity })))).toEqual(["m38", "m39"]);
      expect(await collect(a.range(room, { from: BASE + 100, to: BASE + 200 }))).toEqual([]);
      expect(await collect(a.range(fresh("room"), { from: 0, to: Infinity }))).toEqual([]);
      // Stopping early is fine.
      const firstTwo: string[] = [];
      for await (const e of a.range(room, { from: BASE, to: Infinity, chunkSize: 2 })) {
        firstTwo.push(e.text);
        if (firstTwo.length === 2) break;
      }
      expect(firstTwo).toEqual(["m0", "m1"]);
    });

    it("reads a range lazily: a chunk is read only when the consumer gets to it", async () => {
      const a = await archive();
      const room = fresh("room");
      await a.insert(Array.from({ length: 4 }, (_, i) => entry(room, i)));
      const seen: string[] = [];
      for await (const e of a.range(room, { from: BASE, to: BASE + 100, chunkSize: 2 })) {
        seen.push(e.text);
        // Archived while the first chunk is being consumed: a later chunk still finds it.
        if (seen.length === 1) await a.insert([entry(room, 50)]);
      }
      expect(seen).toEqual(["m0", "m1", "m2", "m3", "m50"]);
    });

    it("erases a user's entries in every room, telling each chunk, and refuses them later", async () => {
      const a = await archive({ eraseChunk: 3 });
      const [r1, r2] = [fresh("room"), fresh("room")];
      const eve: User = { id: fresh("eve"), name: "Eve", role: "viewer" };
      const eves = [entry(r1, 0, { user: eve }), entry(r1, 2, { user: eve }), entry(r1, 3, { user: eve }), entry(r2, 0, { user: eve }), entry(r2, 1, { user: eve }), entry(r2, 5, { user: eve }), entry(r2, 6, { user: eve })];
      await a.insert([...eves, entry(r1, 1), entry(r2, 2)]);
      const chunks: number[] = [];
      const told: string[] = [];
      const erased = await a.eraseUser(eve.id, {
        upTo: BASE + 1000,
        onErased: (list) => {
          chunks.push(list.length);
          told.push(...list.map((e) => `${e.room}/${e.id}`));
        },
      });
      expect(erased).toBe(7);
      expect(chunks).toEqual([3, 3, 1]);
      expect(told.sort()).toEqual(eves.map((e) => `${e.room}/${e.id}`).sort());
      expect(texts(await collect(a.export(r1)))).toEqual(["m1"]);
      expect(texts(await collect(a.export(r2)))).toEqual(["m2"]);
      // A write-behind that read them before the erasure cannot bring them back; newer ones are kept.
      expect(await a.insert([...eves, entry(r1, 2000, { user: eve })])).toBe(1);
      expect(texts(await collect(a.export(r1)))).toEqual(["m1", "m2000"]);
      expect(await a.eraseUser(fresh("nobody"))).toBe(0);
    });

    it("erases up to a time only, by default up to now", async () => {
      const now = BASE + 10;
      const a = await archive({ now: () => now });
      const room = fresh("room");
      const eve: User = { id: fresh("eve"), name: "Eve", role: "viewer" };
      await a.insert([entry(room, 5, { user: eve }), entry(room, 10, { user: eve }), entry(room, 11, { user: eve })]);
      expect(await a.eraseUser(eve.id)).toBe(2);
      expect(texts(await collect(a.export(room)))).toEqual(["m11"]);
      // A second erasure moves the mark forward, never back.
      expect(await a.eraseUser(eve.id, { upTo: BASE + 11 })).toBe(1);
      expect(await a.eraseUser(eve.id, { upTo: BASE })).toBe(0);
      expect(await a.insert([entry(room, 11, { user: eve })])).toBe(0);
    });

    it("prunes entries older than a cutoff in every room, chunk by chunk (retention)", async () => {
      const a = await archive({ pruneChunk: 4 });
      // Entries of 2001, far older than every other test's, so this prune touches only its own.
      const old = Date.UTC(2001, 0, 1);
      const [r1, r2] = [fresh("room"), fresh("room")];
      const at = (room: string, ms: number, text: string): ArchivedEntry => ({ ...entry(room, 0, { text }), id: encodeMessageId(ms, 0), ts: ms });
      await a.insert([
        ...Array.from({ length: 6 }, (_, i) => at(r1, old + i, `old${i}`)),
        ...Array.from({ length: 5 }, (_, i) => at(r2, old + i, `old${i}`)),
        at(r1, old + 100, "kept"),
        at(r2, old + 101, "kept"),
      ]);
      expect(await a.prune(old + 100)).toBe(11);
      expect(texts(await collect(a.export(r1)))).toEqual(["kept"]);
      expect(texts(await collect(a.export(r2)))).toEqual(["kept"]);
      expect(await a.prune(old + 100)).toBe(0);
    });

    it("keeps everything across a restart", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.archive.insert(Array.from({ length: 30 }, (_, i) => entry(room, i)));
      await t.archive.markDeleted(room, encodeMessageId(BASE + 29, 0), { by: "mod", at: 1 });
      const again = await t.reopen();
      expect(texts((await again.page(room, { limit: 3 })).entries)).toEqual(["m26", "m27", "m28"]);
      expect(await again.insert([entry(room, 0)])).toBe(0);
    });

    it("rejects calls once closed", async () => {
      const t = await make({});
      await t.archive.close();
      await expect(t.archive.page(fresh("room"), { limit: 1 })).rejects.toThrow();
      await expect(t.archive.insert([entry(fresh("room"), 0)])).rejects.toThrow();
      await t.close();
    });
  });
}
