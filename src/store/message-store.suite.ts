/**
 * The one test suite every MessageStore implementation must pass (in-memory and Redis), storing
 * and publishing alike. Call it from a `*.test.ts` with a factory that makes a fresh store.
 * Past 300 lines on purpose: it is the MessageStore contract as tests, read as one.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../protocol/index.js";
import type { AppendOutcome, MessageDraft, MessageStore, MessageStoreOptions, PublishedEntry } from "./message-store.js";
import type { ModerationNotice } from "./moderation-notice.js";

/** A store with a view of what it published. */
export interface StoreUnderTest {
  store: MessageStore;
  /** Starts recording what the store publishes for `room` (call before appending to it). */
  watch(room: string): Promise<void>;
  /** Resolves with the room's published entries once there are at least `count` (bounded wait). */
  published(room: string, count: number): Promise<PublishedEntry[]>;
  /** Resolves with the room's moderation notices once there are at least `count`. */
  notices?(room: string, count: number): Promise<ModerationNotice[]>;
  close(): Promise<void>;
}

const user: User = { id: "u1", name: "Ann", role: "viewer" };
let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;

/** Appends one draft that must be stored (not muted). */
async function add(s: MessageStore, room: string, d: MessageDraft): Promise<{ id: string; duplicate: boolean }> {
  const [r] = await s.append(room, [d]);
  if (r?.id === undefined) throw new Error(`unexpectedly refused: ${JSON.stringify(r)}`);
  return r;
}

export function messageStoreSuite(
  name: string,
  make: (options: Partial<MessageStoreOptions>) => Promise<StoreUnderTest>,
): void {
  describe(`MessageStore: ${name}`, () => {
    const open: StoreUnderTest[] = [];
    const setup = async (options: Partial<MessageStoreOptions> = {}) => {
      const s = await make(options);
      open.push(s);
      return s;
    };
    const store = async (options: Partial<MessageStoreOptions> = {}) => (await setup(options)).store;
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    const draft = (text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
      kind: "chat",
      text,
      user,
      dedupKey: fresh("key"),
      sender: "",
      ...extra,
    });

    it("appends and returns messages oldest first, with ids that sort as plain strings", async () => {
      const s = await store();
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await add(s, room, draft(`m${i}`))).id);
      expect([...ids].sort()).toEqual(ids); // string order is storage order, even past seq 9
      expect(new Set(ids).size).toBe(25);
      const h = await s.history(room);
      expect(h.recovered).toBe(false);
      expect(h.messages.map((m) => m.text)).toEqual(ids.map((_, i) => `m${i}`));
      expect(h.messages[0]).toMatchObject({ room, kind: "chat", user, id: ids[0] });
      expect(typeof h.messages[0]!.ts).toBe("number");
    });

    it("stores a batch in order, one outcome per draft", async () => {
      const s = await store();
      const room = fresh("room");
      const out = await s.append(room, [draft("a"), draft("b", { kind: "question" }), draft("c")]);
      expect(out.every((o) => o.duplicate === false)).toBe(true);
      const ids = out.map((o) => o.id!);
      expect([...ids].sort()).toEqual(ids);
      expect((await s.history(room)).messages.map((m) => [m.text, m.kind])).toEqual([
        ["a", "chat"],
        ["b", "question"],
        ["c", "chat"],
      ]);
    });

    it("publishes every stored entry once, in history order, each naming the entry before it", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      const first = await t.store.append(room, [draft("a", { sender: "sock-1" }), draft("b")]);
      const notice = await add(t.store, room, draft("pinned", { kind: "notice", sender: "sock-2" }));
      const dupKey = fresh("key");
      const last = await add(t.store, room, draft("c", { dedupKey: dupKey }));
      await add(t.store, room, draft("c", { dedupKey: dupKey })); // a retry publishes nothing new
      const got = await t.published(room, 4);
      const ids = [first[0]!.id, first[1]!.id, notice.id, last.id];
      expect(got.map((e) => e.id)).toEqual(ids);
      expect(got.map((e) => e.prev)).toEqual([null, ...ids.slice(0, 3)]);
      expect(got.map((e) => e.sender)).toEqual(["sock-1", "", "sock-2", ""]);
      expect(got[2]).toMatchObject({ room, kind: "notice", text: "pinned", user });
      expect(got[0]).toMatchObject({ room, kind: "chat", text: "a", user });
      // Nothing published twice, even after the retry settled.
      await add(t.store, room, draft("d"));
      expect((await t.published(room, 5)).map((e) => e.text)).toEqual(["a", "b", "pinned", "c", "d"]);
    });

    it("stores a dedup key once per room and returns the first id on a retry", async () => {
      const s = await store();
      const room = fresh("room");
      const key = fresh("same");
      const first = await add(s, room, draft("hello", { dedupKey: key }));
      const again = await add(s, room, draft("hello", { dedupKey: key }));
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ id: first.id, duplicate: true });
      expect((await s.history(room)).messages).toHaveLength(1);
      // The same key in another room is another message.
      expect((await add(s, fresh("room"), draft("hello", { dedupKey: key }))).duplicate).toBe(false);
    });

    it("dedups within one batch and across concurrent retries", async () => {
      const s = await store();
      const room = fresh("room");
      const inBatch = await s.append(room, [draft("x", { dedupKey: "k1" }), draft("x", { dedupKey: "k1" })]);
      expect(inBatch).toEqual([
        { id: inBatch[0]!.id, duplicate: false },
        { id: inBatch[0]!.id, duplicate: true },
      ]);
      const results = (await Promise.all(Array.from({ length: 10 }, () => s.append(room, [draft("race", { dedupKey: "race" })])))).map(
        (r) => r[0] as AppendOutcome,
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await s.history(room)).messages).toHaveLength(2);
    });

    it("recovers exactly the messages after `since`", async () => {
      const s = await store();
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await add(s, room, draft(`m${i}`))).id);
      const h = await s.history(room, ids[1]);
      expect(h.recovered).toBe(true);
      expect(h.messages.map((m) => m.id)).toEqual(ids.slice(2));
      expect(await s.history(room, ids[4])).toEqual({ recovered: true, messages: [] });
    });

    it("answers an unknown or trimmed `since` with the latest messages, not recovered", async () => {
      const s = await store({ historySize: 3 });
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await add(s, room, draft(`m${i}`))).id);
      const trimmed = await s.history(room, ids[0]);
      expect(trimmed.recovered).toBe(false);
      expect(trimmed.messages.map((m) => m.text)).toEqual(["m2", "m3", "m4"]);
      for (const since of ["garbage", "99999999999999-0000000000", ""]) {
        const h = await s.history(room, since);
        expect(h.recovered).toBe(false);
        expect(h.messages).toHaveLength(3);
      }
      expect(await s.history(fresh("empty"))).toEqual({ recovered: false, messages: [] });
    });

    it("keeps the latest notice as current, out of the chat messages", async () => {
      const s = await store();
      const room = fresh("room");
      expect(await s.notice(room)).toBeNull();
      await add(s, room, draft("chat before"));
      const n1 = await add(s, room, draft("first notice", { kind: "notice" }));
      const n2 = await add(s, room, draft("second notice", { kind: "notice" }));
      expect(await s.notice(room)).toMatchObject({ id: n2.id, text: "second notice", kind: "notice", user });
      expect(n2.id > n1.id).toBe(true);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["chat before"]);
      // A retried notice does not replace a newer one.
      const retry = await add(s, room, draft("first notice", { kind: "notice", dedupKey: "n-same" }));
      await add(s, room, draft("newest", { kind: "notice" }));
      const again = await add(s, room, draft("first notice", { kind: "notice", dedupKey: "n-same" }));
      expect(again).toEqual({ id: retry.id, duplicate: true });
      expect((await s.notice(room))?.text).toBe("newest");
    });

    it("recovers across a notice id used as `since`", async () => {
      const s = await store();
      const room = fresh("room");
      const n1 = await add(s, room, draft("notice", { kind: "notice" }));
      const m = await add(s, room, draft("after"));
      expect(await s.history(room, n1.id)).toMatchObject({ recovered: true, messages: [{ id: m.id }] });
    });

    it("removes a message from history", async () => {
      const s = await store();
      const room = fresh("room");
      const a = await add(s, room, draft("keep"));
      const b = await add(s, room, draft("spam"));
      expect(await s.remove(room, b.id)).toBe(true);
      expect(await s.remove(room, b.id)).toBe(false);
      expect(await s.remove(room, "garbage")).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.id)).toEqual([a.id]);
    });

    it("refuses a muted author's messages until the mute ends, but not their retries, notices or others", async () => {
      const s = await store();
      const room = fresh("room");
      const before = await add(s, room, draft("before mute", { dedupKey: "early" }));
      const until = await s.mute(room, user.id, 1);
      expect(until).toBeGreaterThan(Date.now() - 5_000);
      const bob: User = { id: "u2", name: "Bo", role: "viewer" };
      const [muted, retry, other, notice] = await s.append(room, [
        draft("while muted"),
        draft("before mute", { dedupKey: "early" }),
        draft("other", { user: bob }),
        draft("a notice", { kind: "notice" }),
      ]);
      expect(muted!.mutedForMs).toBeGreaterThan(0);
      expect(muted!.mutedForMs).toBeLessThanOrEqual(1_000);
      // A retry of a message stored before the mute is still the same message.
      expect(retry).toEqual({ id: before.id, duplicate: true });
      expect(other!.duplicate).toBe(false);
      expect(notice!.duplicate).toBe(false);
      expect((await add(s, fresh("room"), draft("elsewhere"))).duplicate).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["before mute", "other"]);
      await new Promise((r) => setTimeout(r, (muted!.mutedForMs ?? 0) + 50)); // the mute's own length
      expect((await add(s, room, draft("after mute"))).duplicate).toBe(false);
    });

    it("mutes in a room that has no messages yet", async () => {
      const s = await store();
      const room = fresh("room");
      await s.mute(room, user.id, 60);
      expect((await s.append(room, [draft("first words")]))[0]!.mutedForMs).toBeGreaterThan(0);
    });

    it("refuses a banned user's messages until the ban is lifted, but not exempt drafts or earlier retries", async () => {
      const s = await store();
      const room = fresh("room");
      const early = await add(s, room, draft("before ban", { dedupKey: "early" }));
      expect(await s.access(room, user.id)).toMatchObject({ ban: null });
      expect(await s.ban(room, user.id)).toBeNull(); // until lifted
      expect((await s.access(room, user.id)).ban).toEqual({ until: null });
      expect((await s.access(room, "someone-else")).ban).toBeNull();
      const [banned, retry, exempt] = await s.append(room, [
        draft("while banned"),
        draft("before ban", { dedupKey: "early" }),
        draft("the streamer", { exempt: true }),
      ]);
      expect(banned).toEqual({ refused: "banned" });
      expect(retry).toEqual({ id: early.id, duplicate: true });
      expect(exempt!.duplicate).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["before ban", "the streamer"]);
      expect(await s.unban(room, user.id)).toBe(true);
      expect(await s.unban(room, user.id)).toBe(false);
      expect((await s.access(room, user.id)).ban).toBeNull();
      expect((await add(s, room, draft("after unban"))).duplicate).toBe(false);
    });

    it("bans for a while: the refusal says how long, and the ban ends by itself", async () => {
      const s = await store();
      const room = fresh("room");
      const until = await s.ban(room, user.id, 1);
      expect(until).toBeGreaterThan(Date.now() - 5_000);
      expect((await s.access(room, user.id)).ban).toEqual({ until });
      const [refused] = await s.append(room, [draft("banned")]);
      expect(refused!.refused).toBe("banned");
      expect(refused!.retryAfterMs).toBeGreaterThan(0);
      expect(refused!.retryAfterMs).toBeLessThanOrEqual(1_000);
      await new Promise((r) => setTimeout(r, refused!.retryAfterMs! + 50)); // the ban's own length
      expect((await s.access(room, user.id)).ban).toBeNull();
      expect((await add(s, room, draft("back"))).duplicate).toBe(false);
    });

    it("keeps room settings until changed and enforces slow mode per user, exempting the streamer and retries", async () => {
      const s = await store();
      const room = fresh("room");
      expect((await s.access(room)).settings).toEqual({ slowModeSec: 0 });
      // Off: one user may send back to back.
      await s.append(room, [draft("a"), draft("b")]);
      expect(await s.configure(room, { slowModeSec: 1 })).toEqual({ slowModeSec: 1 });
      expect((await s.access(room, user.id)).settings).toEqual({ slowModeSec: 1 });
      const bob: User = { id: "u2", name: "Bo", role: "viewer" };
      const first = await add(s, room, draft("first", { dedupKey: "first" }));
      const [tooSoon, inBatch, other, streamer, retry] = await s.append(room, [
        draft("too soon"),
        draft("also too soon"),
        draft("bob's first", { user: bob }),
        draft("the streamer", { exempt: true }),
        draft("first", { dedupKey: "first" }),
      ]);
      expect(tooSoon!.refused).toBe("slow_mode");
      expect(tooSoon!.retryAfterMs).toBeGreaterThan(0);
      expect(tooSoon!.retryAfterMs).toBeLessThanOrEqual(1_000);
      expect(inBatch!.refused).toBe("slow_mode");
      expect(other!.duplicate).toBe(false);
      expect(streamer!.duplicate).toBe(false);
      expect(retry).toEqual({ id: first.id, duplicate: true });
      // Bob's message started his own interval, in the same step.
      expect((await s.append(room, [draft("bob again", { user: bob })]))[0]!.refused).toBe("slow_mode");
      await new Promise((r) => setTimeout(r, tooSoon!.retryAfterMs! + 50)); // the interval itself
      expect((await add(s, room, draft("after the wait"))).duplicate).toBe(false);
      // Turned off, it holds no one back.
      await s.configure(room, { slowModeSec: 0 });
      expect((await add(s, room, draft("right away"))).duplicate).toBe(false);
      expect((await s.access(room)).settings).toEqual({ slowModeSec: 0 });
    });

    it("publishes a clear marker in order; history starts after the newest one", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      const old = await add(t.store, room, draft("old"));
      const pinned = await add(t.store, room, draft("pinned", { kind: "notice" }));
      const marker = await add(t.store, room, draft("", { kind: "clear", exempt: true, sender: "sock-9" }));
      const fresh1 = await add(t.store, room, draft("after clear"));
      const got = await t.published(room, 4);
      expect(got.map((e) => [e.kind, e.prev])).toEqual([
        ["chat", null],
        ["notice", old.id],
        ["clear", pinned.id],
        ["chat", marker.id],
      ]);
      expect(got[2]).toMatchObject({ id: marker.id, sender: "sock-9", user });
      // A late joiner sees nothing from before the clear; the notice is kept apart and stays.
      expect(await t.store.history(room)).toEqual({ recovered: false, messages: [expect.objectContaining({ id: fresh1.id })] });
      expect((await t.store.notice(room))?.id).toBe(pinned.id);
      // A client that last saw a cleared message gets a fresh start; one that saw the marker, the rest.
      expect(await t.store.history(room, old.id)).toEqual({ recovered: false, messages: [expect.objectContaining({ id: fresh1.id })] });
      expect(await t.store.history(room, marker.id)).toEqual({ recovered: true, messages: [expect.objectContaining({ id: fresh1.id })] });
      expect(await t.store.history(room, fresh1.id)).toEqual({ recovered: true, messages: [] });
      // The newest marker wins.
      await add(t.store, room, draft("", { kind: "clear", exempt: true }));
      expect(await t.store.history(room)).toEqual({ recovered: false, messages: [] });
    });

    it("stores system posts as such and tells a reused dedup key with another fingerprint from a retry", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      const site: User = { id: "system", name: "Site", role: "streamer" };
      const sys = (text: string, fingerprint: string) => draft(text, { user: site, system: true, exempt: true, dedupKey: "sys:k1", fingerprint });
      const first = await add(t.store, room, sys("Alice subscribed!", "fp-1"));
      expect(await t.store.append(room, [sys("Alice subscribed!", "fp-1")])).toEqual([{ id: first.id, duplicate: true }]);
      expect(await t.store.append(room, [sys("something else", "fp-2")])).toEqual([{ refused: "conflict" }]);
      expect((await t.published(room, 1))[0]).toMatchObject({ id: first.id, system: true, user: site });
      expect((await t.store.history(room)).messages).toEqual([expect.objectContaining({ id: first.id, system: true, text: "Alice subscribed!" })]);
      // Users' messages carry no system mark.
      const plain = await add(t.store, room, draft("hi"));
      expect((await t.published(room, 2))[1]).toMatchObject({ id: plain.id });
      expect((await t.published(room, 2))[1]!.system).toBeUndefined();
    });

    it("with requireOpenRooms, refuses viewers' messages until the room is opened, but not exempt ones", async () => {
      const s = await store({ requireOpenRooms: true });
      const room = fresh("room");
      const [refused, exempt] = await s.append(room, [draft("anyone here?"), draft("the streamer", { exempt: true })]);
      expect(refused).toEqual({ refused: "closed" });
      expect(exempt!.duplicate).toBe(false);
      const until = await s.open(room, 60);
      expect(until).toBeGreaterThan(Date.now() + 50_000);
      expect((await s.append(room, [draft("now it is open")]))[0]!.duplicate).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["the streamer", "now it is open"]);
      // Off by default: any room takes messages.
      expect((await (await store()).append(fresh("room"), [draft("hi")]))[0]!.duplicate).toBe(false);
    });

    it("pages back through history: the newest entries older than an id, every kind, oldest first", async () => {
      const s = await store();
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const kind = i === 4 ? "notice" : i === 7 ? "clear" : "chat";
        ids.push((await add(s, room, draft(kind === "clear" ? "" : `m${i}`, { kind, exempt: kind === "clear" }))).id);
      }
      const page = await s.entriesBefore(room, ids[9], 5);
      expect(page.map((m) => m.id)).toEqual(ids.slice(4, 9));
      expect(page.map((m) => m.kind)).toEqual(["notice", "chat", "chat", "clear", "chat"]);
      expect(page[1]).toMatchObject({ room, text: "m5", user, kind: "chat" });
      // No `before`: the newest; a short page at the start; nothing before the first.
      expect((await s.entriesBefore(room, undefined, 3)).map((m) => m.id)).toEqual(ids.slice(9));
      expect((await s.entriesBefore(room, ids[2], 10)).map((m) => m.id)).toEqual(ids.slice(0, 2));
      expect(await s.entriesBefore(room, ids[0], 10)).toEqual([]);
      // An id newer than everything pages from the newest; an id that is no id reads nothing.
      expect((await s.entriesBefore(room, "99999999999999-0000000000", 2)).map((m) => m.id)).toEqual(ids.slice(10));
      expect(await s.entriesBefore(room, "not-an-id", 5)).toEqual([]);
      expect(await s.entriesBefore(fresh("empty"), undefined, 5)).toEqual([]);
      // A removed entry is gone from pages too.
      await s.remove(room, ids[5]!);
      expect((await s.entriesBefore(room, ids[7], 2)).map((m) => m.id)).toEqual([ids[4], ids[6]]);
    });

    it("keeps ids increasing for a room across a new store instance", async () => {
      const room = fresh("room");
      const s1 = await store();
      const before = (await add(s1, room, draft("before"))).id;
      // A restart takes longer than the id clock's 1 ms resolution.
      await new Promise((r) => setTimeout(r, 2));
      const s2 = await store();
      expect((await add(s2, room, draft("after"))).id > before).toBe(true);
    });
  });
}

/** Waits until `list` has `count` items (for published entries that arrive asynchronously). */
export async function waitForCount<T>(list: T[], count: number, ms = 5_000): Promise<T[]> {
  const deadline = Date.now() + ms;
  while (list.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${list.length} of ${count} published entries within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return list;
}
