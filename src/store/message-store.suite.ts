/**
 * The one test suite every MessageStore implementation must pass (in-memory and Redis).
 * Call it from a `*.test.ts` with a factory that makes a fresh store.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../protocol/index.js";
import type { MessageDraft, MessageStore, MessageStoreOptions, StoredMessage } from "./message-store.js";

const user: User = { id: "u1", name: "Ann", role: "viewer" };
let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;

/** Appends a draft that must not be refused as muted. */
async function add(s: MessageStore, d: MessageDraft): Promise<{ message: StoredMessage; duplicate: boolean; prev?: string | null }> {
  const r = await s.append(d);
  if (r.mutedForMs !== undefined) throw new Error(`unexpectedly muted for ${r.mutedForMs} ms`);
  return r;
}

export function messageStoreSuite(
  name: string,
  make: (options: Partial<MessageStoreOptions>) => Promise<MessageStore>,
): void {
  describe(`MessageStore: ${name}`, () => {
    const open: MessageStore[] = [];
    const store = async (options: Partial<MessageStoreOptions> = {}) => {
      const s = await make(options);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const draft = (room: string, text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
      room,
      kind: "chat",
      text,
      user,
      clientId: fresh("cid"),
      ...extra,
    });

    it("appends and returns messages oldest first, with ids that sort as plain strings", async () => {
      const s = await store();
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await add(s, draft(room, `m${i}`))).message.id);
      expect([...ids].sort()).toEqual(ids); // string order is storage order, even past seq 9
      expect(new Set(ids).size).toBe(25);
      const h = await s.history(room);
      expect(h.recovered).toBe(false);
      expect(h.messages.map((m) => m.text)).toEqual(ids.map((_, i) => `m${i}`));
      expect(h.messages[0]).toMatchObject({ room, kind: "chat", user, id: ids[0] });
      expect(typeof h.messages[0]!.ts).toBe("number");
    });

    it("tells each new entry the id of the room's previous entry", async () => {
      const s = await store();
      const room = fresh("room");
      const a = await add(s, draft(room, "a"));
      const n = await add(s, draft(room, "notice", { kind: "notice" }));
      const b = await add(s, draft(room, "b"));
      expect(a.prev).toBeNull();
      expect(n.prev).toBe(a.message.id);
      expect(b.prev).toBe(n.message.id);
      const again = await add(s, draft(room, "b", { clientId: "dup-prev" }));
      const dup = await add(s, draft(room, "b", { clientId: "dup-prev" }));
      expect(again.prev).toBe(b.message.id);
      expect(dup.duplicate).toBe(true);
    });

    it("stores a clientId once per room and returns the first id on a retry", async () => {
      const s = await store();
      const room = fresh("room");
      const first = await add(s, draft(room, "hello", { clientId: "same" }));
      const again = await add(s, draft(room, "hello", { clientId: "same" }));
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.message.id).toBe(first.message.id);
      expect((await s.history(room)).messages).toHaveLength(1);
      // The same clientId in another room is another message.
      const other = await add(s, draft(fresh("room"), "hello", { clientId: "same" }));
      expect(other.duplicate).toBe(false);
    });

    it("dedups concurrent retries of one clientId to one message", async () => {
      const s = await store();
      const room = fresh("room");
      const results = await Promise.all(
        Array.from({ length: 10 }, () => add(s, draft(room, "race", { clientId: "race" }))),
      );
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await s.history(room)).messages).toHaveLength(1);
    });

    it("recovers exactly the messages after `since`", async () => {
      const s = await store();
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await add(s, draft(room, `m${i}`))).message.id);
      const h = await s.history(room, ids[1]);
      expect(h.recovered).toBe(true);
      expect(h.messages.map((m) => m.id)).toEqual(ids.slice(2));
      const none = await s.history(room, ids[4]);
      expect(none).toEqual({ recovered: true, messages: [] });
    });

    it("answers an unknown or trimmed `since` with the latest messages, not recovered", async () => {
      const s = await store({ historySize: 3 });
      const room = fresh("room");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await add(s, draft(room, `m${i}`))).message.id);
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
      await add(s, draft(room, "chat before"));
      const n1 = await add(s, draft(room, "first notice", { kind: "notice" }));
      const n2 = await add(s, draft(room, "second notice", { kind: "notice" }));
      const current = await s.notice(room);
      expect(current).toMatchObject({ id: n2.message.id, text: "second notice", kind: "notice" });
      expect(n2.message.id > n1.message.id).toBe(true);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["chat before"]);
      // A retried notice does not replace a newer one.
      const retry = await add(s, draft(room, "first notice", { kind: "notice", clientId: "n-same" }));
      await add(s, draft(room, "newest", { kind: "notice" }));
      const again = await add(s, draft(room, "first notice", { kind: "notice", clientId: "n-same" }));
      expect(again).toMatchObject({ duplicate: true, message: { id: retry.message.id } });
      expect((await s.notice(room))?.text).toBe("newest");
    });

    it("recovers across a notice id used as `since`", async () => {
      const s = await store();
      const room = fresh("room");
      const n1 = await add(s, draft(room, "notice", { kind: "notice" }));
      const m = await add(s, draft(room, "after"));
      const h = await s.history(room, n1.message.id);
      expect(h).toMatchObject({ recovered: true, messages: [{ id: m.message.id }] });
    });

    it("removes a message from history", async () => {
      const s = await store();
      const room = fresh("room");
      const a = await add(s, draft(room, "keep"));
      const b = await add(s, draft(room, "spam"));
      expect(await s.remove(room, b.message.id)).toBe(true);
      expect(await s.remove(room, b.message.id)).toBe(false);
      expect(await s.remove(room, "garbage")).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.id)).toEqual([a.message.id]);
    });

    it("refuses a muted author's messages until the mute ends, but not their retries or notices", async () => {
      const s = await store();
      const room = fresh("room");
      const before = await add(s, draft(room, "before mute", { clientId: "early" }));
      const until = await s.mute(room, user.id, 1);
      expect(until).toBeGreaterThan(Date.now() - 5_000);
      const muted = await s.append(draft(room, "while muted"));
      expect(muted.mutedForMs).toBeGreaterThan(0);
      expect(muted.mutedForMs).toBeLessThanOrEqual(1_000);
      // A retry of a message stored before the mute is still the same message.
      expect(await add(s, draft(room, "before mute", { clientId: "early" }))).toMatchObject({
        duplicate: true,
        message: { id: before.message.id },
      });
      // Another user, and another room, are not muted.
      const other = await add(s, draft(room, "other", { user: { id: "u2", name: "Bo", role: "viewer" } }));
      expect(other.duplicate).toBe(false);
      expect((await add(s, draft(fresh("room"), "elsewhere"))).duplicate).toBe(false);
      expect((await s.history(room)).messages.map((m) => m.text)).toEqual(["before mute", "other"]);
      await new Promise((r) => setTimeout(r, (muted.mutedForMs ?? 0) + 50));
      expect((await add(s, draft(room, "after mute"))).duplicate).toBe(false);
    });

    it("mutes in a room that has no messages yet", async () => {
      const s = await store();
      const room = fresh("room");
      await s.mute(room, user.id, 60);
      expect((await s.append(draft(room, "first words"))).mutedForMs).toBeGreaterThan(0);
    });

    it("keeps ids increasing for a room across a new store instance", async () => {
      const room = fresh("room");
      const s1 = await store();
      const before = (await add(s1, draft(room, "before"))).message.id;
      // A restart takes longer than the id clock's 1 ms resolution.
      await new Promise((r) => setTimeout(r, 2));
      const s2 = await store();
      const after = (await add(s2, draft(room, "after"))).message.id;
      expect(after > before).toBe(true);
    });
  });
}
