/**
 * The write-behind on the suite's shared Redis Cluster and a PostgreSQL database of its own:
 * entries stored by the Redis store reach the archive once each, checkpoints and marks follow,
 * a failing archive keeps every mark, deletions reach the archive without it being up at delete
 * time, one sweeper per shard, and the backlog cap drops (and counts) the oldest.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { freshKeyPrefix, useSharedRedisClients } from "../../../test/support/shared-cluster-client.js";
import { ReplicatedWrites } from "../../redis/replicated-writes.js";
import type { MessageDraft } from "../../store/message-store.js";
import { backlogShards } from "../../store/redis/backlog-shards.js";
import { RedisArchiveBacklog } from "../../store/redis/redis-archive-backlog.js";
import { RedisMessageStore } from "../../store/redis/redis-message-store.js";
import { PUBLISH } from "../../store/redis/publish-lua.js";
import type { RedisCommands } from "../../redis/lua-script.js";
import { roomKey } from "../../store/redis/room-channel.js";
import { ArchiveUnavailableError, type ArchivedEntry, type MessageArchive } from "../message-archive.js";
import { openPostgresArchive } from "../postgres/postgres-archive.js";
import { ArchiveSweeper, type WriteBehindEvents } from "./archive-sweeper.js";

const logger = pino({ level: "silent" });
const redis = useSharedRedisClients();
const databaseUrl = useTestDatabase("writebehind");
const keyPrefix = freshKeyPrefix();
const HISTORY = 10;
const user = { id: "u", name: "U", role: "viewer" as const };

let archive: MessageArchive;
let store: RedisMessageStore;
let backlog: RedisArchiveBacklog;
let writes: ReplicatedWrites;

beforeAll(async () => {
  archive = (await openPostgresArchive({ logger }, { connectionString: databaseUrl() })).archive;
  const clients = redis();
  writes = new ReplicatedWrites({ route: (key) => clients.route(key), topology: clients.topology, logger });
  store = new RedisMessageStore({ redis: clients.pub, writes }, { keyPrefix, historySize: HISTORY, archive: true });
  backlog = new RedisArchiveBacklog({ redis: clients.pub, shards: () => backlogShards(clients) }, { keyPrefix, historySize: HISTORY });
});
afterAll(async () => {
  await archive?.close();
});

const counts = () => ({ inserted: 0, failed: 0, dropped: 0, lag: -1, backlog: -1 });
function events(c: ReturnType<typeof counts>): WriteBehindEvents {
  return {
    inserted: (n) => (c.inserted += n),
    failed: () => c.failed++,
    dropped: (n) => (c.dropped += n),
    lag: (s) => (c.lag = s),
    backlog: (n) => (c.backlog = n),
  };
}

function sweeper(target: MessageArchive, c = counts(), owner = "replica-a", options = {}, publishStranded?: (room: string) => Promise<void>): ArchiveSweeper {
  return new ArchiveSweeper(
    { archive: target, backlog, owner, logger, events: events(c), publishStranded },
    { backoffMinMs: 50, backoffMaxMs: 100, scanIntervalMs: 0, ...options },
  );
}

/** Sweeps (taking the leases first) until a sweep leaves nothing more, bounded. */
async function drain(s: ArchiveSweeper, rounds = 50): Promise<void> {
  await s.renewLeases();
  for (let i = 0; i < rounds && (await s.sweepOnce()); i++);
}

async function append(room: string, n: number, tag = "m"): Promise<string[]> {
  const drafts: MessageDraft[] = Array.from({ length: n }, (_, i) => ({ kind: "chat", text: `${tag}${i}`, user, dedupKey: `${room}-${tag}${i}`, sender: "" }));
  const ids: string[] = [];
  // Batches as the send batcher makes them.
  for (let i = 0; i < drafts.length; i += 50) for (const o of await store.append(room, drafts.slice(i, i + 50))) ids.push(o.id!);
  return ids;
}

async function exported(room: string): Promise<ArchivedEntry[]> {
  const all: ArchivedEntry[] = [];
  for await (const e of archive.export(room)) all.push(e);
  return all;
}

/** Waits for what the WAIT-mode publish (after the ack) does: the sweeper archives published entries only. */
const settle = () => new Promise((r) => setTimeout(r, 100));

interface Commands {
  xLen(key: string): Promise<number>;
  ttl(key: string): Promise<number>;
}
const commands = () => redis().pub as unknown as Commands;

describe("ArchiveSweeper on a Redis Cluster and PostgreSQL", () => {
  it("archives every stored entry once, then moves the checkpoint, trims and unmarks the room", async () => {
    const rooms = Array.from({ length: 6 }, (_, i) => `sweep-${Date.now()}-${i}`);
    const acked = new Map(await Promise.all(rooms.map(async (room) => [room, await append(room, 3 * HISTORY + 7)] as const)));
    await settle();
    const c = counts();
    const s = sweeper(archive, c);
    await drain(s);
    for (const room of rooms) {
      expect((await exported(room)).map((e) => e.id)).toEqual(acked.get(room));
      expect(await backlog.checkpoint(room)).toBe(acked.get(room)!.at(-1));
      expect(await commands().xLen(roomKey(keyPrefix, room, "h"))).toBe(HISTORY);
      expect(await commands().ttl(roomKey(keyPrefix, room, "h"))).toBeGreaterThan(0);
    }
    expect(c.inserted).toBe(rooms.length * (3 * HISTORY + 7));
    // Caught up: a scan finds nothing, lag and backlog are 0, and sweeping again inserts nothing.
    await s.sweepOnce();
    expect(c).toMatchObject({ lag: 0, backlog: 0, failed: 0 });
    const shards = await backlog.shards();
    for (const shard of shards) expect((await backlog.scan(shard, 10)).rooms).toBe(0);
  });

  it("keeps every mark while the archive fails, backs off, and archives everything once it is back", async () => {
    const room = `down-${Date.now()}`;
    let down = true;
    const flaky: MessageArchive = Object.create(archive) as MessageArchive;
    flaky.insert = (entries) => (down ? Promise.reject(new ArchiveUnavailableError("down")) : archive.insert(entries));
    const c = counts();
    const s = sweeper(flaky, c);
    const first = await append(room, 2 * HISTORY);
    await settle();
    await drain(s, 3);
    expect(c.failed).toBeGreaterThan(0);
    expect(c.backlog).toBe(2 * HISTORY);
    expect(c.lag).toBeGreaterThan(0);
    const later = await append(room, HISTORY, "n");
    await settle();
    // Nothing was trimmed while unarchived.
    expect(await commands().xLen(roomKey(keyPrefix, room, "h"))).toBe(3 * HISTORY);
    expect(await commands().ttl(roomKey(keyPrefix, room, "h"))).toBe(-1);
    expect(await exported(room)).toEqual([]);
    down = false;
    await new Promise((r) => setTimeout(r, 150)); // past the backoff
    await drain(s);
    expect((await exported(room)).map((e) => e.id)).toEqual([...first, ...later]);
  });

  it("archives a deletion whether the entry was archived already or not, without the archive at delete time", async () => {
    const room = `deleted-${Date.now()}`;
    const s = sweeper(archive);
    const [archived, kept] = await append(room, 2, "a");
    await settle();
    await drain(s);
    const [unarchived] = await append(room, 1, "b");
    await settle();
    expect(await store.remove(room, archived!, "mod-1")).toBe(true);
    expect(await store.remove(room, unarchived!, "mod-2")).toBe(true);
    await drain(s);
    const all = await exported(room);
    expect(all.map((e) => [e.id, e.deleted?.by ?? null])).toEqual([
      [archived, "mod-1"],
      [kept, null],
      [unarchived, "mod-2"],
    ]);
    expect((await archive.page(room, { limit: 10 })).entries.map((e) => e.id)).toEqual([kept]);
  });

  it("sweeps each shard from one replica at a time (a lease), and another takes over when it ends", async () => {
    const a = sweeper(archive, counts(), "replica-a");
    const b = sweeper(archive, counts(), "replica-b");
    const shards = await backlog.shards();
    await a.renewLeases();
    await b.renewLeases();
    const leases = await Promise.all(shards.map(async (shard) => [await backlog.lease(shard, "replica-a", 10_000), await backlog.lease(shard, "replica-b", 10_000)]));
    expect(leases.every(([x, y]) => x !== y)).toBe(true);
    await a.stop();
    await b.stop();
    // a and b never started: stop() still gave their leases up, so a third replica takes every shard.
    const c = await Promise.all(shards.map((shard) => backlog.lease(shard, "replica-c", 1_000)));
    expect(c.every(Boolean)).toBe(true);
    await Promise.all(shards.map((shard) => backlog.endLease(shard, "replica-c")));
  });

  it("between scans sweeps the rooms the last scan found; a room marked since waits for the next scan", async () => {
    const [known, other] = [`known-${Date.now()}`, `other-${Date.now()}`];
    const s = sweeper(archive, counts(), "replica-a", { scanIntervalMs: 60_000 });
    const first = await append(known, 3);
    await settle();
    await drain(s);
    expect((await exported(known)).map((e) => e.id)).toEqual(first);
    const more = await append(known, 3, "n");
    const unseen = await append(other, 3);
    await settle();
    await s.sweepOnce();
    expect((await exported(known)).map((e) => e.id)).toEqual([...first, ...more]);
    expect(await exported(other)).toEqual([]);
    await drain(sweeper(archive));
    expect((await exported(other)).map((e) => e.id)).toEqual(unseen);
  });

  it("has entries published (then archived) whose writer died between its WAIT and its publish", async () => {
    const room = `stranded-${Date.now()}`;
    const real = redis().pub;
    // A writer whose publish never happens, as if its process died right after the WAIT (and the ack).
    const dying: RedisCommands = {
      evalSha: (sha, o) => (sha === PUBLISH.sha1 ? Promise.reject(new Error("died")) : real.evalSha(sha, o)),
      eval: (src, o) => (src === PUBLISH.source ? Promise.reject(new Error("died")) : real.eval(src, o)),
    };
    const writer = new RedisMessageStore({ redis: dying, writes }, { keyPrefix, historySize: HISTORY, archive: true, publishAttempts: 1 });
    const acked = (await writer.append(room, [{ kind: "chat", text: "last words", user, dedupKey: `${room}-1`, sender: "" }])).map((o) => o.id!);
    await settle();
    // Nobody publishes them: the sweep archives nothing (published entries only), and history does not show them.
    await drain(sweeper(archive));
    expect(await exported(room)).toEqual([]);
    expect((await store.history(room)).messages).toEqual([]);
    await drain(sweeper(archive, counts(), "replica-a", { strandedAfterMs: 0 }, (r) => store.publishStranded(r)));
    await settle();
    await drain(sweeper(archive));
    expect((await exported(room)).map((e) => e.id)).toEqual(acked);
    expect((await store.history(room)).messages.map((m) => m.id)).toEqual(acked);
  });

  it("reads and advances many rooms of a shard in one script, and says which rooms are not on it", async () => {
    const room = `many-${Date.now()}`;
    const ids = await append(room, 3);
    await settle();
    const shards = await backlog.shards();
    const results = await Promise.all(shards.map((shard) => backlog.readMany(shard, [room], 10)));
    // Exactly one shard holds the room's slot; the others answer null (a slot moved since the scan).
    const owner = results.findIndex((r) => r[0] !== null);
    expect(results.filter((r) => r[0] === null)).toHaveLength(shards.length - 1);
    expect(results[owner]![0]!.entries.map((e) => e.id)).toEqual(ids);
    const other = shards[(owner + 1) % shards.length]!;
    expect(await backlog.advanceMany(other, [{ room, upto: results[owner]![0]!.upto, deletionIds: [] }])).toEqual([null]);
    expect(await backlog.checkpoint(room)).toBeNull();
    expect(await backlog.advanceMany(shards[owner]!, [{ room, upto: results[owner]![0]!.upto, deletionIds: [] }])).toEqual([{ moved: 3, marked: false }]);
    expect(await backlog.checkpoint(room)).toBe(ids.at(-1));
  });

  it("drops the oldest unarchived entries past the backlog cap, and counts them", async () => {
    const room = `capped-${Date.now()}`;
    const failing: MessageArchive = Object.create(archive) as MessageArchive;
    failing.insert = () => Promise.reject(new ArchiveUnavailableError("down"));
    const c = counts();
    const s = sweeper(failing, c, "replica-a", { backlogMax: 15 });
    const ids = await append(room, 40);
    await settle();
    await drain(s, 1);
    expect(c.dropped).toBeGreaterThanOrEqual(25);
    // What is left starts past the dropped ones: the newest are kept for the archive.
    await drain(sweeper(archive));
    const left = (await exported(room)).map((e) => e.id);
    expect(left).toEqual(ids.slice(ids.length - left.length));
    expect(left.length).toBeLessThanOrEqual(15);
    expect(left.length).toBeGreaterThan(0);
  });
});
