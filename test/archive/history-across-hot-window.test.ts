/**
 * Older history, replay and erasure on the scaled parts (issue #20): the Redis store on the shared
 * Redis Cluster (a 10-entry hot window) and the PostgreSQL archive. Entries older than the hot
 * window are only in the archive, the newest in both, and a few newest only in Redis (the
 * write-behind's backlog): paging is contiguous, replay is ordered without duplicates, and an
 * erasure leaves neither store nor archive with the user's messages.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { openPostgresArchive } from "../../src/archive/postgres/postgres-archive.js";
import type { ArchivedEntry, MessageArchive } from "../../src/archive/message-archive.js";
import type { User } from "../../src/protocol/index.js";
import { ReplicatedWrites } from "../../src/redis/replicated-writes.js";
import { RoomHistory, type OlderPage } from "../../src/rooms/room-history.js";
import { encodeMessageId } from "../../src/store/message-id.js";
import { RedisMessageStore } from "../../src/store/redis/redis-message-store.js";
import { freshKeyPrefix, useSharedRedisClients } from "../support/shared-cluster-client.js";
import { useTestDatabase } from "../support/test-database.js";

const logger = pino({ level: "silent" });
const redis = useSharedRedisClients();
const databaseUrl = useTestDatabase("history");
const keyPrefix = freshKeyPrefix();
const HOUR = 3_600_000;

const ann: User = { id: "ann", name: "Ann", role: "viewer" };
const bob: User = { id: "bob", name: "Bob", role: "viewer" };

interface Parts {
  store: RedisMessageStore;
  archive: MessageArchive;
  history: RoomHistory;
  removed: string[];
  close(): Promise<void>;
}

async function parts(): Promise<Parts> {
  const clients = redis();
  const writes = new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger });
  const store = new RedisMessageStore({ redis: clients.pub, writes }, { keyPrefix, historySize: 10 });
  const { archive } = await openPostgresArchive({ logger }, { connectionString: databaseUrl() });
  const removed: string[] = [];
  const history = new RoomHistory({
    store,
    archive,
    remove: async (room, id) => {
      const gone = await store.remove(room, id);
      if (gone) removed.push(id);
      return gone;
    },
  });
  return { store, archive, history, removed, close: () => archive.close() };
}

/** Waits until the store has published `id` (its publish can follow the ack), then returns the entry. */
async function published(store: RedisMessageStore, room: string, id: string): Promise<ArchivedEntry> {
  for (let i = 0; i < 200; i++) {
    const [newest] = await store.entriesBefore(room, undefined, 1);
    if (newest && newest.id >= id) {
      const hit = (await store.entriesBefore(room, undefined, 20)).find((e) => e.id === id);
      if (hit) return hit;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${id} was not published`);
}

/**
 * A room: `old` entries from an hour ago only in the archive, then `live` sent through the store
 * and archived as the write-behind would, except the newest `backlog`.
 */
async function fill(p: Parts, room: string, counts: { old: number; live: number; backlog: number }, user = (i: number) => (i % 3 === 0 ? bob : ann)): Promise<ArchivedEntry[]> {
  const t0 = Date.now() - HOUR;
  const old: ArchivedEntry[] = Array.from({ length: counts.old }, (_, i) => ({ id: encodeMessageId(t0 + i * 1000, 0), room, kind: "chat", text: `old${i}`, user: user(i), ts: t0 + i * 1000 }));
  await p.archive.insert(old);
  const live: ArchivedEntry[] = [];
  for (let i = 0; i < counts.live; i++) {
    const [out] = await p.store.append(room, [{ kind: i === 4 ? "notice" : "chat", text: `live${i}`, user: user(i), dedupKey: `${room}-${i}`, sender: "" }]);
    const entry = await published(p.store, room, out!.id!);
    live.push(entry);
    if (i < counts.live - counts.backlog) await p.archive.insert([entry]);
  }
  return [...old, ...live];
}

async function pageAll(h: RoomHistory, room: string, limit: number): Promise<string[]> {
  const pages: OlderPage[] = [];
  let before: string | undefined;
  for (let i = 0; i < 200; i++) {
    const page = await h.older(room, before, limit);
    pages.push(page);
    if (!page.hasMore) return pages.reverse().flatMap((pg) => pg.messages.map((m) => m.id));
    before = page.messages[0]!.id;
  }
  throw new Error("paging did not end");
}

describe("history across the hot window: Redis Cluster + PostgreSQL", () => {
  it("pages contiguously from the newest to the first message: Redis first, then the archive, no gap, no duplicate", async () => {
    const p = await parts();
    try {
      const room = `pg-page-${process.pid}-${Date.now()}`;
      const all = await fill(p, room, { old: 40, live: 25, backlog: 3 });
      const messages = all.filter((e) => e.kind === "chat").map((e) => e.id);
      // The stream keeps only the newest 10: the rest of the live ones are the archive's.
      expect((await p.store.entriesBefore(room, undefined, 100)).length).toBe(10);
      for (const limit of [1, 7, 10, 33, 100]) expect(await pageAll(p.history, room, limit), `limit ${limit}`).toEqual(messages);
      // A cursor below the window goes straight to the archive.
      const page = await p.history.older(room, all[20]!.id, 5);
      expect(page.messages.map((m) => m.text)).toEqual(["old15", "old16", "old17", "old18", "old19"]);
    } finally {
      await p.close();
    }
  });

  it("replays a range in id order: the archive, then the entries only Redis has, each once", async () => {
    const p = await parts();
    try {
      const room = `pg-replay-${process.pid}-${Date.now()}`;
      const all = await fill(p, room, { old: 20, live: 15, backlog: 4 });
      const got: string[] = [];
      for await (const e of p.history.replay(room, all[0]!.ts, Date.now() + 1000)) got.push(e.id);
      expect(got).toEqual(all.map((e) => e.id)); // notices included: a replay has every kind
      const some: string[] = [];
      for await (const e of p.history.replay(room, all[3]!.ts, all[9]!.ts)) some.push(e.text);
      expect(some).toEqual(["old3", "old4", "old5", "old6", "old7", "old8"]);
    } finally {
      await p.close();
    }
  });

  it("erases a user's messages from the archive and the live stream; other users' messages stay", async () => {
    const p = await parts();
    try {
      const rooms = [`pg-erase-a-${process.pid}-${Date.now()}`, `pg-erase-b-${process.pid}-${Date.now()}`];
      // A user of this test's own: an erasure covers every room (the other tests' bob too).
      const leaving: User = { id: `leaving-${process.pid}-${Date.now()}`, name: "Leaving", role: "viewer" };
      const filled = [];
      for (const room of rooms) filled.push(...(await fill(p, room, { old: 6, live: 12, backlog: 0 }, (i) => (i % 2 ? leaving : ann))));
      const bobs = filled.filter((e) => e.user.id === leaving.id);
      const { archived, live } = await p.history.eraseUser(leaving.id, Date.now());
      expect(archived).toBe(bobs.length);
      // Every bob entry still in a stream (the newest 10 of each room) was removed there too.
      expect(live).toBe(10); // 5 per room: the odd ones among the newest 10
      for (const room of rooms) {
        const window = await p.store.entriesBefore(room, undefined, 100);
        expect(window.some((e) => e.user.id === leaving.id)).toBe(false);
        expect(window.filter((e) => e.user.id === "ann").length).toBe(5);
        const exported: ArchivedEntry[] = [];
        for await (const e of p.archive.export(room)) exported.push(e);
        expect(exported.some((e) => e.user.id === leaving.id)).toBe(false);
        expect(exported.filter((e) => e.user.id === "ann").length).toBe(9);
      }
      expect(p.removed.length).toBe(live);
      // A late re-archive of an erased entry (the write-behind catching up) is refused.
      expect(await p.archive.insert([bobs.at(-1)!])).toBe(0);
    } finally {
      await p.close();
    }
  });
});
