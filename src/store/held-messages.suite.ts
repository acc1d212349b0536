/**
 * The MessageStore contract of issue #21, run against every implementation beside the main suite
 * (message-store.suite.ts): the chat modes checked in the append's atomic step, held messages
 * (delay and review) released, approved, denied and retried exactly once, replies, the lookup of
 * one message, and moderation notices.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../protocol/index.js";
import type { AppendOutcome, MessageDraft, MessageStore, MessageStoreOptions } from "./message-store.js";
import type { StoreUnderTest } from "./message-store.suite.js";

const user: User = { id: "u1", name: "Ann", role: "viewer" };
let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function heldMessagesSuite(name: string, make: (options: Partial<MessageStoreOptions>) => Promise<StoreUnderTest>): void {
  describe(`MessageStore, moderation (issue #21): ${name}`, () => {
    const open: StoreUnderTest[] = [];
    const setup = async (options: Partial<MessageStoreOptions> = {}) => {
      const s = await make(options);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const draft = (text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({ kind: "chat", text, user, dedupKey: fresh("key"), sender: "", ...extra });
    const one = async (s: MessageStore, room: string, d: MessageDraft): Promise<AppendOutcome> => (await s.append(room, [d]))[0]!;

    it("changes only the settings given and reports modes only while on", async () => {
      const { store } = await setup();
      const room = fresh("room");
      expect((await store.access(room)).settings).toEqual({ slowModeSec: 0 });
      expect(await store.configure(room, { subscribersOnly: true, delaySec: 5 })).toEqual({ slowModeSec: 0, subscribersOnly: true, delaySec: 5 });
      expect(await store.configure(room, { slowModeSec: 10, followersOnlySec: 0, uniqueChat: true })).toEqual({
        slowModeSec: 10,
        subscribersOnly: true,
        followersOnlySec: 0,
        uniqueChat: true,
        delaySec: 5,
      });
      expect(await store.configure(room, { subscribersOnly: false, followersOnlySec: null, uniqueChat: false, delaySec: 0, slowModeSec: 0 })).toEqual({ slowModeSec: 0 });
      expect((await store.access(room)).settings).toEqual({ slowModeSec: 0 });
    });

    it("subscribers- and followers-only: refuse anonymous authors, authors without the claim, and follows too recent", async () => {
      const { store } = await setup();
      const room = fresh("room");
      await store.configure(room, { subscribersOnly: true });
      expect(await one(store, room, draft("anon"))).toEqual({ refused: "sign_in_required" });
      expect(await one(store, room, draft("no badge", { claims: { subscriber: false, followedAt: null } }))).toEqual({ refused: "subscribers_only" });
      expect((await one(store, room, draft("sub", { claims: { subscriber: true, followedAt: null } }))).id).toBeDefined();
      expect((await one(store, room, draft("a moderator", { modExempt: true }))).id).toBeDefined();
      expect((await one(store, room, draft("the streamer", { exempt: true }))).id).toBeDefined();

      await store.configure(room, { subscribersOnly: false, followersOnlySec: 600 });
      expect(await one(store, room, draft("never followed", { claims: { subscriber: true, followedAt: null } }))).toEqual({ refused: "followers_only" });
      const recent = await one(store, room, draft("just followed", { claims: { subscriber: false, followedAt: Date.now() - 60_000 } }));
      expect(recent.refused).toBe("follow_too_recent");
      expect(recent.retryAfterMs).toBeGreaterThan(530_000);
      expect(recent.retryAfterMs).toBeLessThanOrEqual(541_000);
      expect((await one(store, room, draft("long-time follower", { claims: { subscriber: false, followedAt: Date.now() - 700_000 } }))).id).toBeDefined();
    });

    it("unique chat: refuses a text whose key was sent within the window, by anyone; moderators are not held to it", async () => {
      const { store } = await setup();
      const room = fresh("room");
      await store.configure(room, { uniqueChat: true });
      expect((await one(store, room, draft("hello", { uniqueKey: "k-hello" }))).id).toBeDefined();
      expect(await one(store, room, draft("HELLO", { uniqueKey: "k-hello", user: { ...user, id: "u2" } }))).toEqual({ refused: "unique_chat" });
      expect((await one(store, room, draft("hello there", { uniqueKey: "k-other" }))).id).toBeDefined();
      expect((await one(store, room, draft("hello", { uniqueKey: "k-hello", modExempt: true }))).id).toBeDefined();
      // Off: nothing is checked.
      await store.configure(room, { uniqueChat: false });
      expect((await one(store, room, draft("hello", { uniqueKey: "k-hello" }))).id).toBeDefined();
    });

    it("delay: holds viewers' messages, answers a retry with the same hold, stores them when due (in history order) and a retry then gets the id", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      await t.store.configure(room, { delaySec: 1 });
      const held = draft("wait for it", { sender: "sock-1", dedupKey: "d1" });
      const first = await one(t.store, room, held);
      expect(first).toMatchObject({ held: { reason: "delay" }, duplicate: false });
      expect(first.held!.releaseAt).toBeGreaterThan(Date.now() + 500);
      expect(first.releaseInMs).toBeGreaterThan(500);
      expect(first.releaseInMs).toBeLessThanOrEqual(1_000);
      expect(await one(t.store, room, held)).toMatchObject({ held: { id: first.held!.id }, duplicate: true });
      const moderator = await one(t.store, room, draft("a moderator is not delayed", { modExempt: true }));
      expect(moderator.id).toBeDefined();
      expect(await t.store.held(room)).toEqual([expect.objectContaining({ id: first.held!.id, text: "wait for it", user, reason: "delay", releaseAt: first.held!.releaseAt })]);
      expect((await t.store.releaseDue(room)).items).toEqual([]); // not due yet
      await sleep(first.releaseInMs! + 20);
      const released = await t.store.releaseDue(room);
      expect(released.nextDueInMs).toBeNull();
      expect(released.items).toEqual([expect.objectContaining({ outcome: "stored", sender: "sock-1", held: expect.objectContaining({ id: first.held!.id }) })]);
      const id = released.items[0]!.id!;
      expect(id > moderator.id!).toBe(true);
      expect((await t.store.releaseDue(room)).items).toEqual([]); // once
      expect(await one(t.store, room, held)).toEqual({ id, duplicate: true });
      const published = await t.published(room, 2);
      expect(published.map((e) => [e.text, e.sender])).toEqual([
        ["a moderator is not delayed", ""],
        ["wait for it", "sock-1"],
      ]);
      expect((await t.store.history(room)).messages.map((m) => m.id)).toEqual([moderator.id, id]);
    });

    it("review: waits for a moderator; approval stores it, denial drops it and its retries are refused as denied", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      const a = await one(t.store, room, draft("needs a look", { review: { term: "look" } }));
      const b = await one(t.store, room, draft("also this", { review: { term: "this" }, dedupKey: "b" }));
      expect(a).toEqual({ held: { id: a.held!.id, reason: "review", releaseAt: null }, duplicate: false });
      expect((await t.store.held(room)).map((h) => [h.text, h.term, h.releaseAt])).toEqual([
        ["needs a look", "look", null],
        ["also this", "this", null],
      ]);
      expect((await t.store.releaseDue(room)).items).toEqual([]); // reviews are never due
      const approved = await t.store.releaseHeld(room, a.held!.id);
      expect(approved.items).toEqual([expect.objectContaining({ outcome: "stored", id: expect.any(String) })]);
      expect((await t.store.releaseHeld(room, a.held!.id)).items).toEqual([]);
      expect(await t.store.denyHeld(room, b.held!.id)).toMatchObject({ id: b.held!.id, text: "also this" });
      expect(await t.store.denyHeld(room, b.held!.id)).toBeNull();
      expect(await one(t.store, room, draft("also this", { dedupKey: "b" }))).toEqual({ refused: "denied" });
      expect(await t.store.held(room)).toEqual([]);
      expect((await t.published(room, 1)).map((e) => e.text)).toEqual(["needs a look"]);
    });

    it("drops a held message whose author was banned meanwhile; a retry is then checked afresh", async () => {
      const { store } = await setup();
      const room = fresh("room");
      const held = draft("spam", { review: { term: "spam" }, dedupKey: "s1" });
      const h = await one(store, room, held);
      await store.ban(room, user.id, 60);
      expect((await store.releaseHeld(room, h.held!.id)).items).toEqual([expect.objectContaining({ outcome: "dropped", dropped: "banned" })]);
      expect((await one(store, room, held)).refused).toBe("banned");
    });

    it("refuses what would be held past the room's queue bound", async () => {
      const { store } = await setup({ heldPerRoom: 2 });
      const room = fresh("room");
      await store.configure(room, { delaySec: 10 });
      const out = await store.append(room, [draft("1"), draft("2"), draft("3")]);
      expect(out.map((o) => o.held?.reason ?? o.refused)).toEqual(["delay", "delay", "queue_full"]);
    });

    it("stores replies with their parent and finds one message by id", async () => {
      const t = await setup();
      const room = fresh("room");
      await t.watch(room);
      const [parent] = await t.store.append(room, [draft("question?")]);
      const found = await t.store.message(room, parent!.id!);
      expect(found).toMatchObject({ id: parent!.id, text: "question?", user });
      expect(await t.store.message(room, "00000000000001-0000000000")).toBeNull();
      expect(await t.store.message(room, "not an id")).toBeNull();
      const replyTo = { id: parent!.id!, user, excerpt: "question?" };
      const [reply] = await t.store.append(room, [draft("answer!", { replyTo })]);
      expect((await t.store.history(room)).messages.at(-1)).toMatchObject({ id: reply!.id, replyTo });
      expect((await t.published(room, 2))[1]).toMatchObject({ id: reply!.id, replyTo });
      expect(await t.store.message(room, reply!.id!)).toMatchObject({ replyTo });
    });

    it("announces moderation notices on the room, in order", async () => {
      const t = await setup();
      if (!t.notices) return;
      const room = fresh("room");
      await t.watch(room);
      await t.store.announce(room, [{ type: "terms", terms: [] }]);
      await t.store.announce(room, [{ type: "resolved", items: [{ kind: "held", id: "h1", outcome: "denied" }] }]);
      expect(await t.notices(room, 2)).toEqual([
        { type: "terms", terms: [] },
        { type: "resolved", items: [{ kind: "held", id: "h1", outcome: "denied" }] },
      ]);
    });
  });
}

