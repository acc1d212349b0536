/**
 * Issue #21, done-when, on 2 replicas (processes) of the suite's shared Redis Cluster: a moderator
 * appointed on one replica works from the other; every chat mode and both kinds of blocked term
 * hold across replicas with real clients; a held message a moderator removes reaches no viewer,
 * ever; reports and the log reach the team and the site.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mintToken, type MintOptions } from "../../src/auth/token.js";
import { ErrorCode, RefusalReason, type ChatMessage, type HeldMessage, type ModerationLogEntry } from "../../src/protocol/index.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { call, join, nextEvent, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { ClientPool } from "../support/use-clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

const KEY = "moderation-test-api-key-0001";
let A: Replica;
let B: Replica;
const clients = new ClientPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const token = (sub: string, extra: Partial<MintOptions> = {}) => mintToken({ sub, name: sub.split("-")[0]!, role: "viewer", ...extra }, TEST_SECRET);
const user = async (replica: Replica, sub: string, extra: Partial<MintOptions> = {}, caps?: string[]) =>
  clients.connect(replica, { token: await token(sub, extra), ...(caps ? { caps } : {}) });

async function api(replica: Replica, method: string, path: string, body?: unknown) {
  const res = await fetch(`${replica.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A room with its streamer on A and a moderator (appointed by the streamer) on B, both joined. */
async function team(prefix: string) {
  const room = uniqueId(prefix);
  const streamer = await user(A, `owner-${room}`, { role: "streamer", rooms: [room] });
  const moderator = await user(B, `mod-${room}`);
  expect(await join(streamer, room)).toMatchObject({ ok: true, role: "streamer" });
  expect(await join(moderator, room)).toMatchObject({ ok: true, role: "viewer" });
  const promoted = nextEvent(moderator, "room:role");
  expect(await call(streamer, "mod:add", { room, userId: `mod-${room}`, name: "Mo" })).toEqual({ ok: true, added: true });
  expect(await promoted).toEqual({ room, role: "moderator" });
  return { room, streamer, moderator };
}

const refused = (code: string, reason?: string) => ({ ok: false, error: reason ? { code, reason } : { code } });

beforeAll(async () => {
  const cluster = attachRedisCluster(inject("redisCluster"));
  [A, B] = (await startReplicas(2, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, API_KEYS: KEY, ...FAST } })) as [Replica, Replica];
});

afterAll(async () => {
  clients.closeAll();
  await stopReplicas([A, B].filter(Boolean));
});

describe("moderation team across 2 replicas", () => {
  it("a moderator appointed on one replica sets the chat modes from the other; members on both get them", async () => {
    const { room, moderator } = await team("modes");
    const viewerA = await user(A, `viewer-${room}`);
    await join(viewerA, room);
    const told = nextEvent(viewerA, "room:settings");
    const change = { room, subscribersOnly: true, followersOnlySec: 600, uniqueChat: true, delaySec: 2 };
    expect(await call(moderator, "room:configure", change)).toEqual({ ok: true, settings: { slowModeSec: 0, subscribersOnly: true, followersOnlySec: 600, uniqueChat: true, delaySec: 2 } });
    expect(await told).toEqual({ room, slowModeSec: 0, subscribersOnly: true, followersOnlySec: 600, uniqueChat: true, delaySec: 2 });
    expect(await join(await user(B, `late-${room}`), room)).toMatchObject({ ok: true, settings: { subscribersOnly: true, delaySec: 2 } });
  });

  it("subscribers- and followers-only refuse, with a reason, anonymous viewers, viewers without the badge and new followers; others chat across replicas", async () => {
    const { room, moderator } = await team("members");
    await call(moderator, "room:configure", { room, subscribersOnly: true });
    const anonymous = await clients.connect(A, { name: "Anon", session: "a".repeat(32) });
    const plain = await user(A, `plain-${room}`);
    const subscriber = await user(A, `sub-${room}`, { badges: ["subscriber"] });
    const watcher = await user(B, `watcher-${room}`);
    for (const c of [anonymous, plain, subscriber, watcher]) await join(c, room);
    const seen = record(watcher, "chat:message");
    expect(await sendChat(anonymous, room, "hi")).toMatchObject(refused(ErrorCode.Forbidden, RefusalReason.SignInRequired));
    expect(await sendChat(plain, room, "hi")).toMatchObject(refused(ErrorCode.Forbidden, RefusalReason.SubscribersOnly));
    const ok = await sendChat(subscriber, room, "subscribed!");
    expect(ok.ok).toBe(true);
    expect((await sendChat(moderator, room, "mods may talk")).ok).toBe(true);

    await call(moderator, "room:configure", { room, subscribersOnly: false, followersOnlySec: 3_600 });
    const newFollower = await user(A, `new-${room}`, { followedAt: Math.floor(Date.now() / 1000) - 60 });
    const oldFollower = await user(B, `old-${room}`, { followedAt: Math.floor(Date.now() / 1000) - 7_200 });
    for (const c of [newFollower, oldFollower]) await join(c, room);
    expect(await sendChat(plain, room, "hi")).toMatchObject(refused(ErrorCode.Forbidden, RefusalReason.FollowersOnly));
    const tooNew = await sendChat(newFollower, room, "hi");
    expect(tooNew).toMatchObject(refused(ErrorCode.Forbidden, RefusalReason.FollowTooRecent));
    expect(!tooNew.ok && tooNew.error.retryAfterMs).toBeGreaterThan(3_400_000);
    expect((await sendChat(oldFollower, room, "a follower for 2 h")).ok).toBe(true);
    await until(() => seen.length >= 3, 5_000, "deliveries");
    expect(seen.map((m) => [m.text, m.user.role, m.user.badges])).toEqual([
      ["subscribed!", "viewer", ["subscriber"]],
      ["mods may talk", "moderator", undefined],
      ["a follower for 2 h", "viewer", undefined],
    ]);
  });

  it("unique chat refuses on one replica what was just said on the other (case, spacing, invisible characters aside)", async () => {
    const { room, moderator } = await team("unique");
    await call(moderator, "room:configure", { room, uniqueChat: true });
    const [a, b] = [await user(A, `ua-${room}`), await user(B, `ub-${room}`)];
    for (const c of [a, b]) await join(c, room);
    expect((await sendChat(a, room, "Hello  World")).ok).toBe(true);
    expect(await sendChat(b, room, " hello world\u200B")).toMatchObject(refused(ErrorCode.Forbidden, RefusalReason.UniqueChat));
    expect((await sendChat(b, room, "hello world!")).ok).toBe(true);
  });

  it("delay: viewers' messages are held, moderators on the other replica see them at once, marked held; released in history order; a v1 sender's ack waits for the id, a held sender's says held; a retry is not held twice", async () => {
    const { room, moderator, streamer } = await team("delay");
    await call(moderator, "room:configure", { room, delaySec: 1 });
    const v1Sender = await user(A, `v1-${room}`);
    const heldSender = await user(A, `h-${room}`, {}, ["held"]);
    const watcherB = await user(B, `wb-${room}`);
    for (const c of [v1Sender, heldSender, watcherB]) await join(c, room);
    const seen = record(watcherB, "chat:message");
    const heldEvents: HeldMessage[] = [];
    moderator.on("mod:held", ({ messages }) => heldEvents.push(...messages));

    const v1Ack = sendChat(v1Sender, room, "delayed v1", { clientId: "v1-once" });
    const heldAck = await call<{ ok: boolean; held: { id: string; reason: string; releaseAt: number } }>(heldSender, "chat:send", { room, text: "delayed held", kind: "chat", clientId: "held-once" });
    expect(heldAck).toMatchObject({ ok: true, held: { reason: "delay" } });
    const outcome = nextEvent(heldSender, "chat:held");
    // A retry while held answers the same hold, and holds nothing new.
    expect(await call(heldSender, "chat:send", { room, text: "delayed held", kind: "chat", clientId: "held-once" })).toEqual({ ok: true, held: heldAck.held });
    await until(() => heldEvents.length >= 2, 5_000, "mod:held on the other replica");
    expect(heldEvents.map((h) => [h.text, h.reason])).toEqual(expect.arrayContaining([["delayed v1", "delay"], ["delayed held", "delay"]]));
    expect(seen).toEqual([]); // nobody sees them yet
    const moderatorsOwn = await sendChat(streamer, room, "the streamer is not delayed");
    expect(moderatorsOwn.ok).toBe(true);

    const stored = await v1Ack;
    expect(stored).toMatchObject({ ok: true, id: expect.any(String) });
    const released = await outcome;
    expect(released).toMatchObject({ room, heldId: heldAck.held.id, id: expect.any(String) });
    await until(() => seen.length >= 3, 5_000, "released messages");
    // The streamer's went out at once; the held ones when released (in the order they were due).
    expect(seen[0]!.text).toBe("the streamer is not delayed");
    expect(seen.map((m) => m.text).sort()).toEqual(["delayed held", "delayed v1", "the streamer is not delayed"]);
    const ids = seen.map((m) => m.id);
    expect([...ids].sort()).toEqual(ids); // history order
    expect(ids).toContain(stored.ok && stored.id);
    // Exactly once: the retry after release answers the stored id.
    expect(await call(heldSender, "chat:send", { room, text: "delayed held", kind: "chat", clientId: "held-once" })).toEqual({ ok: true, id: released.id });
    expect((await call<{ held: unknown[] }>(moderator, "queue:list", { room })).held).toEqual([]);
  });

  it("a moderator's removal of a held message: no viewer on either replica ever receives it; its sender is told", async () => {
    const { room, moderator } = await team("remove");
    await call(moderator, "room:configure", { room, delaySec: 2 });
    const sender = await user(A, `sender-${room}`);
    const [viewerA, viewerB] = [await user(A, `va-${room}`), await user(B, `vb-${room}`)];
    const batchViewer = await clients.connect(A, { caps: ["batch"] });
    for (const c of [sender, viewerA, viewerB, batchViewer]) await join(c, room);
    const got = [record(viewerA, "chat:message"), record(viewerB, "chat:message"), record(moderator, "chat:message")];
    const batches = record(batchViewer, "chat:batch");
    const held = nextEvent(moderator, "mod:held");
    const ack = sendChat(sender, room, "something awful");
    const { messages } = await held;
    const dueAt = messages[0]!.releaseAt!;
    expect(await call(moderator, "held:deny", { room, id: messages[0]!.id, reason: "rude" })).toEqual({ ok: true, denied: true });
    expect(await ack).toMatchObject(refused(ErrorCode.Blocked, RefusalReason.Denied));
    // Past its due time and the other replicas' grace, then a barrier message through the same path.
    await sleep(Math.max(0, dueAt + 2_000 - Date.now()));
    await call(moderator, "room:configure", { room, delaySec: 0 });
    expect((await sendChat(sender, room, "barrier")).ok).toBe(true);
    await until(() => got.every((list) => list.some((m) => m.text === "barrier")) && batches.some((b) => b.entries.some((e) => e.text === "barrier")), 5_000, "the barrier");
    for (const list of got) expect(list.map((m: ChatMessage) => m.text)).toEqual(["barrier"]);
    expect(batches.flatMap((b) => b.entries.map((e) => e.text))).toEqual(["barrier"]);
    const history = await join(await user(B, `late-${room}`), room);
    expect(history.ok && history.messages.map((m) => m.text)).toEqual(["barrier"]);
    // The same clientId again is refused, not held again.
    expect((await call<{ held: unknown[] }>(moderator, "queue:list", { room })).held).toEqual([]);
  });

  it("blocked terms: a room's term blocks on the other replica once its notice is there; a hold term waits for review and an approval on B delivers it once; the site's term blocks everywhere when the API answers", async () => {
    const { room, moderator, streamer } = await team("terms");
    const viewerA = await user(A, `ta-${room}`);
    const viewerB = await user(B, `tb-${room}`);
    for (const c of [viewerA, viewerB]) await join(c, room);
    const termsOnA = nextEvent(streamer, "mod:terms");
    expect(await call(moderator, "terms:add", { room, term: "Badword", action: "block", match: "word" })).toMatchObject({ ok: true, term: { term: "badword" } });
    await termsOnA;
    expect(await sendChat(viewerA, room, "what a BAD\u200BWORD!")).toMatchObject(refused(ErrorCode.Blocked, RefusalReason.BlockedTerm));
    expect((await sendChat(viewerA, room, "badwords are fine as a longer word")).ok).toBe(true);

    const holdOnA = nextEvent(streamer, "mod:terms");
    await call(moderator, "terms:add", { room, term: "link", action: "hold", match: "substring" });
    await holdOnA;
    const seenB = record(viewerB, "chat:message");
    const reviewed = nextEvent(moderator, "mod:held");
    const ack = sendChat(viewerA, room, "check my links");
    const [item] = (await reviewed).messages;
    expect(item).toMatchObject({ reason: "review", term: "link", releaseAt: null, text: "check my links" });
    expect(await call(moderator, "held:approve", { room, id: item!.id })).toMatchObject({ ok: true, approved: true, messageId: expect.any(String) });
    expect(await ack).toMatchObject({ ok: true });
    await until(() => seenB.some((m) => m.text === "check my links"), 5_000, "the approved message");
    expect(seenB.filter((m) => m.text === "check my links")).toHaveLength(1);

    const site = `sitebad${Date.now()}`;
    expect((await api(B, "PUT", `/blocked-terms/${site}`, { action: "block", match: "substring" })).status).toBe(200);
    expect(await sendChat(viewerA, room, `xx${site}xx`)).toMatchObject(refused(ErrorCode.Blocked, RefusalReason.BlockedTerm));
    expect((await api(A, "DELETE", `/blocked-terms/${site}`)).status).toBe(200);
    expect((await sendChat(viewerB, room, `xx${site}xx`)).ok).toBe(true);
  });

  it("reports reach the moderators on the other replica; the log (socket and API) has every action", async () => {
    const { room, moderator, streamer } = await team("report");
    const viewer = await user(A, `rv-${room}`);
    const troll = await user(A, `troll-${room}`);
    for (const c of [viewer, troll]) await join(c, room);
    const spam = await sendChat(troll, room, "buy followers");
    if (!spam.ok) throw new Error(JSON.stringify(spam));
    const reported = nextEvent(moderator, "mod:report");
    expect(await call(viewer, "chat:report", { room, id: spam.id, reason: "spam" })).toEqual({ ok: true, reported: true });
    expect(await call(viewer, "chat:report", { room, id: spam.id, reason: "spam again" })).toEqual({ ok: true, reported: false });
    expect((await reported).report).toMatchObject({ id: spam.id, count: 1, message: { text: "buy followers" }, reports: [{ by: { id: `rv-${room}` }, reason: "spam" }] });
    const resolved = nextEvent(streamer, "mod:resolved");
    expect(await call(moderator, "chat:delete", { room, id: spam.id })).toEqual({ ok: true, deleted: true });
    expect((await resolved).items).toMatchObject([{ kind: "report", id: spam.id, outcome: "deleted" }]);
    expect(await call(moderator, "user:ban", { room, userId: `troll-${room}`, durationSec: 60 })).toMatchObject({ ok: true });

    const fromSocket = await call<{ ok: true; entries: ModerationLogEntry[] }>(streamer, "log:list", { room });
    expect(fromSocket.entries.map((e) => [e.action, e.by.id])).toEqual([
      ["ban", `mod-${room}`],
      ["delete", `mod-${room}`],
      ["moderator_add", `owner-${room}`],
    ]);
    const fromApi = await api(B, "GET", `/rooms/${room}/moderation-log?limit=2`);
    expect(fromApi.status).toBe(200);
    expect((fromApi.body.entries as ModerationLogEntry[]).map((e) => e.action)).toEqual(["ban", "delete"]);
    expect(await call(viewer, "log:list", { room })).toMatchObject(refused(ErrorCode.Forbidden));
  });
});
