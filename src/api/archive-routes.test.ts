/**
 * Older history, replay, export and erasure on an embedded server (in-memory store with a 10-entry
 * hot window) and a real SQLite archive, over real HTTP and real sockets. The archive is filled as
 * the write-behind would: old entries only there, the newest in both.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveUnavailableError, type ArchivedEntry, type MessageArchive } from "../archive/message-archive.js";
import { openSqliteArchive } from "../archive/sqlite/sqlite-archive.js";
import { mintToken } from "../auth/token.js";
import { ErrorCode, type ChatMessage, type HistoryPage, type RoomEntry, type Ack, type User } from "../protocol/index.js";
import { encodeMessageId } from "../store/message-id.js";
import { call, join, record, sendChat, uniqueId, until } from "../../test/support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "../../test/support/embedded-server.js";
import { useClients } from "../../test/support/use-clients.js";

const KEY = "site-backend-key-0001";
const HOUR = 3_600_000;
let srv: EmbeddedServer;
let archive: MessageArchive;
/** Makes the archive fail (erasure, paging) while set. */
let archiveDown = false;
let dataDir: string;
const client = useClients(() => srv.url);

/** The archive as the server sees it: the real one, or failing as unavailable while `archiveDown`. */
function flaky(a: MessageArchive): MessageArchive {
  const down = () => new ArchiveUnavailableError("database down (test)");
  return {
    insert: (e) => a.insert(e),
    markDeleted: (...args) => a.markDeleted(...args),
    page: (room, q) => (archiveDown ? Promise.reject(down()) : a.page(room, q)),
    range: (room, q) => (archiveDown ? failing(down()) : a.range(room, q)),
    export: (room, o) => a.export(room, o),
    eraseUser: (u, o) => (archiveDown ? Promise.reject(down()) : a.eraseUser(u, o)),
    prune: (t) => a.prune(t),
    close: () => a.close(),
  };
}

async function* failing(err: Error): AsyncGenerator<ArchivedEntry> {
  throw err;
}

beforeAll(async () => {
  dataDir = mkdtempSync(joinPath(tmpdir(), "archive-routes-"));
  archive = (await openSqliteArchive({ dataDir })).archive;
  srv = await startEmbedded({ api: { keys: [KEY], ratePerSec: 10_000, rateBurst: 10_000 }, ratePerSec: 1000, rateBurst: 1000, abuse: { perIpPerSec: 1_000_000, perUserPerSec: 1_000_000 } }, { storeOptions: { historySize: 10 }, archive: flaky(archive) });
});
afterAll(async () => {
  await srv.close();
  await archive.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${srv.url}/api/v1${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

const lines = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as RoomEntry);
const who: User = { id: "old-timer", name: "Old", role: "viewer" };

/** `count` entries one second apart from `t0`, only in the archive (older than the hot window). */
async function archiveOnly(room: string, count: number, t0: number, user: User = who): Promise<string[]> {
  const entries: ArchivedEntry[] = Array.from({ length: count }, (_, i) => ({ id: encodeMessageId(t0 + i * 1000, 0), room, kind: "chat", text: `old${i}`, user, ts: t0 + i * 1000 }));
  await archive.insert(entries);
  return entries.map((e) => e.id);
}

/** Sends live messages and archives each once published (the write-behind's job), so the newest are in both. */
async function live(socket: Awaited<ReturnType<typeof client>>, room: string, count: number, prefix = "new"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const ack = await sendChat(socket, room, `${prefix}${i}`);
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    ids.push(ack.id);
    const [newest] = await srv.store.entriesBefore(room, undefined, 1);
    await archive.insert([newest!]);
  }
  return ids;
}

describe("room:history over a socket", () => {
  it("pages back from the join's latest page to the first message, across the hot window into the archive", async () => {
    const room = uniqueId("hist");
    const old = await archiveOnly(room, 37, Date.now() - HOUR);
    const c = await client();
    await join(c, room);
    const recent = await live(c, room, 14);
    const joined = await join(await client(), room);
    if (!joined.ok) throw new Error("join failed");
    expect(joined.messages.map((m) => m.id)).toEqual(recent.slice(-10)); // the join ack stays the hot window's latest page
    const seen = [...joined.messages];
    let before = seen[0]!.id;
    for (let guard = 0; guard < 20; guard++) {
      const page = await call<Ack<HistoryPage>>(c, "room:history", { room, before, limit: 9 });
      if (!page.ok) throw new Error(JSON.stringify(page));
      seen.unshift(...page.messages);
      if (!page.hasMore) break;
      before = page.messages[0]!.id;
    }
    expect(seen.map((m) => m.id)).toEqual([...old, ...recent]);
    expect(seen[0]).toMatchObject({ room, kind: "chat", text: "old0", user: who });
  });

  it("refuses bad input with bad_request and a socket not in the room with not_joined; the server keeps serving", async () => {
    const room = uniqueId("hist");
    const c = await client();
    const bad = async (payload: unknown) => {
      const ack = await call<Ack<HistoryPage>>(c, "room:history", payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
      return ack.ok ? undefined : ack.error.code;
    };
    expect(await bad({ room })).toBe(ErrorCode.NotJoined);
    await join(c, room);
    for (const payload of [
      { room, before: "nope" },
      { room, before: 12 },
      { room, limit: 0 },
      { room, limit: 101 },
      { room, limit: 2.5 },
      { room, limit: "10" },
      { room, befor: "01700000000000-0000000000" },
      { room: "bad room" },
      "room",
      null,
    ]) {
      expect(await bad(payload)).toBe(ErrorCode.BadRequest);
    }
    const ok = await call<Ack<HistoryPage>>(c, "room:history", { room, limit: 100 });
    expect(ok).toEqual({ ok: true, messages: [], hasMore: false });
  });

  it("archive down: a page that needs it acks unavailable", async () => {
    const room = uniqueId("hist");
    await archiveOnly(room, 5, Date.now() - HOUR);
    const c = await client();
    await join(c, room);
    archiveDown = true;
    try {
      const ack = await call<Ack<HistoryPage>>(c, "room:history", { room, limit: 5 });
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.Unavailable } });
    } finally {
      archiveDown = false;
    }
    expect(await call<Ack<HistoryPage>>(c, "room:history", { room, limit: 5 })).toMatchObject({ ok: true, hasMore: false });
  });
});

describe("GET /rooms/{room}/messages", () => {
  it("pages the same way over HTTP, and refuses bad cursors, limits and unknown parameters", async () => {
    const room = uniqueId("http");
    const old = await archiveOnly(room, 12, Date.now() - HOUR);
    const sender = await client();
    await join(sender, room);
    const recent = await live(sender, room, 12);
    const got: ChatMessage[] = [];
    let query = "limit=7";
    for (let guard = 0; guard < 10; guard++) {
      const res = await get(`/rooms/${room}/messages?${query}`);
      expect(res.status).toBe(200);
      const page = JSON.parse(res.text) as HistoryPage & { room: string };
      got.unshift(...page.messages);
      if (!page.hasMore) break;
      query = `limit=7&before=${page.messages[0]!.id}`;
    }
    expect(got.map((m) => m.id)).toEqual([...old, ...recent]);
    for (const q of ["before=x", "limit=0", "limit=101", "limit=abc", "since=01700000000000-0000000000", "before=1&before=2"]) {
      const res = await get(`/rooms/${room}/messages?${q}`);
      expect(res.status, q).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe(ErrorCode.BadRequest);
    }
  });
});

describe("GET /rooms/{room}/replay", () => {
  it("streams a time range as NDJSON in id order: the archive, then the unarchived tail, no duplicate", async () => {
    const room = uniqueId("replay");
    const t0 = Date.now() - HOUR;
    const old = await archiveOnly(room, 30, t0);
    const c = await client();
    await join(c, room);
    const archived = await live(c, room, 3);
    // Two more the write-behind has not reached yet: only the hot window has them.
    const tail = [(await sendChat(c, room, "tail0")) as { id: string }, (await sendChat(c, room, "tail1")) as { id: string }].map((a) => a.id);
    const all = await get(`/rooms/${room}/replay?from=${t0}&to=${Date.now() + 1000}`);
    expect(all.status).toBe(200);
    expect(all.type).toMatch(/^application\/x-ndjson/);
    expect(lines(all.text).map((e) => e.id)).toEqual([...old, ...archived, ...tail]);
    // [from, to): entries 5..14 of the old ones.
    const some = lines((await get(`/rooms/${room}/replay?from=${t0 + 5000}&to=${t0 + 15_000}`)).text);
    expect(some.map((e) => e.text)).toEqual(Array.from({ length: 10 }, (_, i) => `old${i + 5}`));
  });

  it("refuses ranges over 24 h, reversed or missing bounds, and unknown parameters with 400; archive down is 503", async () => {
    const room = uniqueId("replay");
    const now = Date.now();
    for (const q of [`from=${now - 25 * HOUR}&to=${now}`, `from=${now}&to=${now}`, `from=${now}&to=${now - 1}`, `from=${now}`, "from=a&to=b", `from=0&to=1&x=1`]) {
      const res = await get(`/rooms/${room}/replay?${q}`);
      expect(res.status, q).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe(ErrorCode.BadRequest);
    }
    expect((await get(`/rooms/${room}/replay?from=${now - 24 * HOUR}&to=${now}`)).status).toBe(200);
    archiveDown = true;
    try {
      const res = await get(`/rooms/${room}/replay?from=${now - HOUR}&to=${now}`);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text).error.code).toBe(ErrorCode.Unavailable);
    } finally {
      archiveDown = false;
    }
  });
});

describe("GET /rooms/{room}/export", () => {
  it("exports everything as NDJSON, deleted entries included and marked", async () => {
    const room = uniqueId("export");
    const old = await archiveOnly(room, 4, Date.now() - HOUR);
    await archive.markDeleted(room, old[1]!, { by: "mod-7", at: 1234 });
    const res = await get(`/rooms/${room}/export`);
    expect(res.status).toBe(200);
    const out = lines(res.text);
    expect(out.map((e) => e.id)).toEqual(old);
    expect(out[1]).toMatchObject({ text: "old1", deleted: { by: "mod-7", at: 1234 } });
    expect(out.filter((e) => e.deleted)).toHaveLength(1);
  });
});

describe("DELETE /users/{userId}/messages", () => {
  it("erases the user's messages from the archive and every room's live history; viewers get chat:deleted; others stay", async () => {
    const rooms = [uniqueId("erase"), uniqueId("erase")];
    const token = await mintToken({ sub: uniqueId("leaving"), name: "Leaving", role: "viewer" }, TEST_SECRET);
    const leaving = await client({ token });
    const other = await client();
    const viewer = await client();
    const leaverId = (await mintClaims(token)).sub;
    const oldOfLeaver = await archiveOnly(rooms[0]!, 3, Date.now() - HOUR, { id: leaverId, name: "Leaving", role: "viewer" });
    const mine: string[] = [...oldOfLeaver];
    const theirs: string[] = [];
    for (const room of rooms) {
      for (const s of [leaving, other, viewer]) await join(s, room);
      mine.push(...(await live(leaving, room, 3, "mine")));
      theirs.push(...(await live(other, room, 2, "theirs")));
    }
    const deleted = record(viewer, "chat:deleted");
    const res = await fetch(`${srv.url}/api/v1/users/${encodeURIComponent(leaverId)}/messages`, { method: "DELETE", headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    // The 3 older ones were archived before the room was first touched here, so the embedded store
    // loaded them into its hot window (as after a restart): all 9 are live, and all 9 go.
    // (Entries in the archive alone: src/rooms/room-history.test.ts.)
    expect(await res.json()).toEqual({ userId: leaverId, archived: mine.length, removed: 9 });
    await until(() => deleted.length >= 9, 5_000, "chat:deleted for each live message");
    expect(deleted.map((d) => d.id).sort()).toEqual([...mine].sort());
    for (const room of rooms) {
      const exported = lines((await get(`/rooms/${room}/export`)).text);
      expect(exported.some((e) => e.user.id === leaverId)).toBe(false);
      expect(exported.filter((e) => theirs.includes(e.id))).toHaveLength(2);
      const page = JSON.parse((await get(`/rooms/${room}/messages?limit=100`)).text) as HistoryPage;
      expect(page.messages.map((m) => m.id)).toEqual(theirs.filter((id) => exported.some((e) => e.id === id)));
      const joined = await join(await client(), room);
      expect(joined.ok && joined.messages.every((m) => m.user.id !== leaverId)).toBe(true);
    }
  });

  it("answers 503 unavailable while the archive is down (never a silent partial erasure), 400 for a bad user id", async () => {
    archiveDown = true;
    try {
      const res = await fetch(`${srv.url}/api/v1/users/someone/messages`, { method: "DELETE", headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCode.Unavailable);
    } finally {
      archiveDown = false;
    }
    const res = await fetch(`${srv.url}/api/v1/users/${"u".repeat(129)}/messages`, { method: "DELETE", headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(400);
    const unauth = await fetch(`${srv.url}/api/v1/users/someone/messages`, { method: "DELETE" });
    expect(unauth.status).toBe(401);
  });
});

/** A token's claims (the test minted it; no need to verify). */
async function mintClaims(token: string): Promise<{ sub: string }> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string };
}
