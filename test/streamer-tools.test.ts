/** The streamer's tools as socket events (server additions): slow mode, ban and unban, clear chat. One embedded server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.js";
import { ErrorCode, type JoinResult } from "../src/protocol/index.js";
import { call, join, nextEvent, sendChat, uniqueId } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);
const streamerOf = (room: string) => mintToken({ sub: `streamer-${room}`, name: "Streamer", role: "streamer", rooms: [room] }, TEST_SECRET);
const viewerToken = (sub: string) => mintToken({ sub, name: sub, role: "viewer" }, TEST_SECRET);
const forbidden = { ok: false, error: { code: ErrorCode.Forbidden } };

beforeAll(async () => {
  srv = await startEmbedded({ ratePerSec: 1_000, rateBurst: 1_000, abuse: { perIpPerSec: 1_000_000, perUserPerSec: 1_000_000 } });
});
afterAll(async () => {
  await srv.close();
});

describe("slow mode", () => {
  it("is set by the room's streamer, announced to members, in the join ack, and holds per user across sockets", async () => {
    const room = uniqueId("slow");
    const streamer = await client({ token: await streamerOf(room) });
    const token = await viewerToken("fast-typer");
    const [tab1, tab2] = [await client({ token }), await client({ token })];
    const other = await client();
    for (const c of [streamer, tab1, tab2, other]) expect(await join(c, room)).toMatchObject({ ok: true, settings: { slowModeSec: 0 } });
    const told = nextEvent(other, "room:settings");
    expect(await call(streamer, "room:configure", { room, slowModeSec: 2 })).toEqual({ ok: true, settings: { slowModeSec: 2 } });
    expect(await told).toEqual({ room, slowModeSec: 2 });
    expect(await join(await client(), room)).toMatchObject({ ok: true, settings: { slowModeSec: 2 } });

    expect((await sendChat(tab1, room, "first")).ok).toBe(true);
    const tooSoon = await sendChat(tab2, room, "from my other tab");
    expect(tooSoon).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    const wait = !tooSoon.ok ? tooSoon.error.retryAfterMs! : 0;
    expect(wait).toBeGreaterThan(1_000);
    expect(wait).toBeLessThanOrEqual(2_000);
    // Others, and the streamer, are not held back by it.
    expect((await sendChat(other, room, "hi")).ok).toBe(true);
    expect((await sendChat(streamer, room, "welcome")).ok).toBe(true);
    expect((await sendChat(streamer, room, "welcome again")).ok).toBe(true);
    // Off again: the user may send at once.
    expect(await call(streamer, "room:configure", { room, slowModeSec: 0 })).toEqual({ ok: true, settings: { slowModeSec: 0 } });
    expect((await sendChat(tab2, room, "now")).ok).toBe(true);
  });

  it("is for the room's streamer only, within 0-300 s", async () => {
    const room = uniqueId("slow");
    const viewer = await client();
    const elsewhere = await client({ token: await streamerOf("another-room") });
    const streamer = await client({ token: await streamerOf(room) });
    expect(await call(viewer, "room:configure", { room, slowModeSec: 5 })).toMatchObject(forbidden);
    expect(await call(elsewhere, "room:configure", { room, slowModeSec: 5 })).toMatchObject(forbidden);
    for (const slowModeSec of [-1, 301, 1.5, "5", undefined]) {
      expect(await call(streamer, "room:configure", { room, slowModeSec })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    }
  });
});

describe("bans", () => {
  it("removes the user's sockets from the room, refuses their joins and sends there (also after reconnecting) until lifted", async () => {
    const room = uniqueId("ban");
    const streamer = await client({ token: await streamerOf(room) });
    const token = await viewerToken("troll");
    const [troll1, troll2] = [await client({ token }), await client({ token })];
    const bystander = await client();
    for (const c of [streamer, troll1, troll2, bystander]) await join(c, room);
    await join(troll1, uniqueId("elsewhere"));
    const told = [troll1, troll2].map((c) => nextEvent(c, "room:banned"));
    expect(await call(streamer, "user:ban", { room, userId: "troll" })).toEqual({ ok: true, until: null });
    expect(await Promise.all(told)).toEqual([{ room, until: null }, { room, until: null }]);
    expect(await sendChat(troll1, room, "still here?")).toMatchObject({ ok: false, error: { code: ErrorCode.NotJoined } });
    expect(await join(troll2, room)).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden, message: expect.stringMatching(/banned/) } });
    troll1.close();
    const again = await client({ token });
    expect(await join(again, room)).toMatchObject(forbidden);
    // Only that room, only that user.
    expect((await join(again, uniqueId("other-room"))).ok).toBe(true);
    expect((await sendChat(bystander, room, "fine")).ok).toBe(true);
    expect(await call(streamer, "user:unban", { room, userId: "troll" })).toEqual({ ok: true, lifted: true });
    expect(await call(streamer, "user:unban", { room, userId: "troll" })).toEqual({ ok: true, lifted: false });
    expect((await join(again, room)).ok).toBe(true);
    expect((await sendChat(again, room, "sorry")).ok).toBe(true);
  });

  it("can be timed, and is for the room's streamer only", async () => {
    const room = uniqueId("ban");
    const streamer = await client({ token: await streamerOf(room) });
    const troll = await client({ token: await viewerToken("timed-troll") });
    const res = await call<{ ok: boolean; until: number }>(streamer, "user:ban", { room, userId: "timed-troll", durationSec: 60 });
    expect(res.until).toBeGreaterThan(Date.now() + 50_000);
    const refused = await join(troll, room);
    expect(refused).toMatchObject(forbidden);
    expect(!refused.ok && refused.error.retryAfterMs).toBeGreaterThan(50_000);
    expect(await call(troll, "user:ban", { room, userId: "streamer" })).toMatchObject(forbidden);
    expect(await call(troll, "user:unban", { room, userId: "timed-troll" })).toMatchObject(forbidden);
    expect(await call(streamer, "user:ban", { room, userId: "x", durationSec: 0 })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
  });
});

describe("clear chat", () => {
  it("tells v1 members (chat:cleared) and batch members (a clear entry), and a late joiner sees nothing from before", async () => {
    const room = uniqueId("clear");
    const streamer = await client({ token: await streamerOf(room) });
    const v1 = await client();
    const batch = await client({ caps: ["batch"] });
    for (const c of [streamer, v1, batch]) await join(c, room);
    const before = await sendChat(v1, room, "embarrassing");
    if (!before.ok) throw new Error("send failed");
    const cleared = nextEvent(v1, "chat:cleared");
    const clearedInBatch = nextEvent(batch, "chat:batch", (b) => b.entries.some((e) => e.kind === "clear"));
    const res = await call<{ ok: boolean; id: string }>(streamer, "chat:clear", { room });
    expect(res).toEqual({ ok: true, id: expect.any(String) });
    expect(await cleared).toMatchObject({ room, id: res.id, prev: before.id, user: { id: `streamer-${room}`, role: "streamer" } });
    expect((await clearedInBatch).entries.find((e) => e.kind === "clear")).toMatchObject({ id: res.id, text: "" });
    expect((await sendChat(v1, room, "fresh start")).ok).toBe(true);
    const late = (await join(await client(), room)) as { ok: true } & JoinResult;
    expect(late.messages.map((m) => m.text)).toEqual(["fresh start"]);
    // A member that reconnects with the id of a cleared message gets a fresh start.
    const back = (await join(await client(), room, before.id)) as { ok: true } & JoinResult;
    expect(back).toMatchObject({ recovered: false, messages: [{ text: "fresh start" }] });
    expect(await call(v1, "chat:clear", { room })).toMatchObject(forbidden);
  });
});
